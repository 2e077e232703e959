import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { CheckContext, CheckProblem } from '@junction/config';
import { toBusError } from '@junction/core';
import { compileExpression } from '@junction/transform';
import type { SoapSourceDef, SoapTargetDef } from './soap.config';
import { loadWsdl, operationNamed, type WsdlCatalog } from './wsdl-catalog';
import { SoapValidation } from './soap-validation';

/**
 * Offline checks of SOAP configs, for `junction validate` and every (re)load: the WSDL file loads, the service and
 * operation exist in it, the files a target names are there. A WSDL given by URL is not fetched (no network here):
 * its operation is checked on first use.
 */
export async function checkSoapSource(config: SoapSourceDef, context: CheckContext): Promise<CheckProblem[]> {
  const loaded = await localWsdl(config.wsdl, context.baseDir);
  if ('problem' in loaded) return [loaded.problem];
  const problems: CheckProblem[] = [];
  if (config.service && !loaded.catalog.services.some((s) => s.name === config.service)) {
    problems.push({ path: ['service'], message: `${config.wsdl} has no service "${config.service}" (it has ${names(loaded.catalog.services.map((s) => s.name))})` });
  }
  const invalid = await SoapValidation.problem(config.validate, config.wsdl, resolve(context.baseDir, config.wsdl));
  if (invalid) problems.push({ path: ['validate'], message: invalid });
  const rpc = SoapValidation.styleProblem(config.validate, loaded.catalog.operations.filter((o) => !config.service || o.service === config.service));
  if (rpc) problems.push({ path: ['validate'], message: rpc });
  if (config.ack !== undefined) {
    try {
      compileExpression(config.ack);
    } catch (err) {
      problems.push({ path: ['ack'], message: toBusError(err).message });
    }
  }
  return problems;
}

export async function checkSoapTarget(config: SoapTargetDef, context: CheckContext): Promise<CheckProblem[]> {
  const problems: CheckProblem[] = [];
  for (const [key, file] of Object.entries(config.security?.tls ?? {})) {
    if (key !== 'passphrase' && typeof file === 'string' && !existsSync(resolve(context.baseDir, file))) {
      problems.push({ path: ['security', 'tls', key], message: `file ${file} not found` });
    }
  }
  const invalid = await SoapValidation.problem(config.validate, config.wsdl, resolve(context.baseDir, config.wsdl));
  if (invalid) problems.push({ path: ['validate'], message: invalid });
  if (/^https?:\/\//i.test(config.wsdl)) return problems;
  const loaded = await localWsdl(config.wsdl, context.baseDir);
  if ('problem' in loaded) return [loaded.problem, ...problems];
  const { catalog } = loaded;
  const query = { name: config.operation, service: config.service, version: config.version };
  if (config.service && !catalog.services.some((s) => s.name === config.service)) {
    problems.push({ path: ['service'], message: `${config.wsdl} has no service "${config.service}" (it has ${names(catalog.services.map((s) => s.name))})` });
  } else if (!operationNamed(catalog, query)) {
    const known = names([...new Set(catalog.operations.map((o) => o.name))]);
    const version = config.version ? ` in SOAP ${config.version}` : '';
    problems.push({ path: ['operation'], message: `${config.wsdl} has no operation "${config.operation}"${version} (it has ${known})` });
  } else if (!config.endpoint) {
    const operation = operationNamed(catalog, query)!;
    const port = catalog.services.find((s) => s.name === operation.service)?.ports.find((p) => p.name === operation.port);
    if (!port?.address) problems.push({ path: ['endpoint'], message: `${config.wsdl} gives no address for ${config.operation}: set endpoint` });
  }
  const operation = operationNamed(catalog, query);
  const rpc = operation && SoapValidation.styleProblem(config.validate, [operation]);
  if (rpc) problems.push({ path: ['validate'], message: rpc });
  return problems;
}

async function localWsdl(wsdl: string, baseDir: string): Promise<{ catalog: WsdlCatalog } | { problem: CheckProblem }> {
  const file = resolve(baseDir, wsdl);
  if (!existsSync(file)) return { problem: { path: ['wsdl'], message: `WSDL ${wsdl} not found` } };
  try {
    return { catalog: await loadWsdl(file) };
  } catch (err) {
    return { problem: { path: ['wsdl'], message: `${wsdl} is not a readable WSDL: ${toBusError(err).message}` } };
  }
}

function names(list: readonly string[]): string {
  return list.length === 0 ? 'none' : list.map((n) => `"${n}"`).join(', ');
}
