import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkSoapSource, checkSoapTarget } from './soap.check';
import { SoapSourceSchema, SoapTargetSchema } from './soap.config';
import { SoapValidation } from './soap-validation';

const FIXTURES = join(__dirname, '../../../../test/fixtures/xsd-validation');

describe('SoapValidation: offline checks of validate', () => {
  const dir = mkdtempSync(join(tmpdir(), 'soap-validation-'));
  writeFileSync(
    join(dir, 'broken.wsdl'),
    '<wsdl:definitions xmlns:wsdl="http://schemas.xmlsoap.org/wsdl/" xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:b">' +
      '<wsdl:types><xs:schema targetNamespace="urn:b"><xs:element name="A" type="nope:Missing" xmlns:nope="urn:nope"/></xs:schema></wsdl:types></wsdl:definitions>',
  );

  it('the fixture WSDL\'s schemas compile; no validate means nothing to check', async () => {
    expect(await SoapValidation.problem('both', 'service.wsdl', join(FIXTURES, 'service.wsdl'))).toBeUndefined();
    expect(await SoapValidation.problem(undefined, 'broken.wsdl', join(dir, 'broken.wsdl'))).toBeUndefined();
  });

  it('a schema that does not compile and a WSDL by URL are problems at validate', async () => {
    expect(await SoapValidation.problem('request', 'broken.wsdl', join(dir, 'broken.wsdl'))).toMatch(/cannot be used: .*nope/);
    expect(await SoapValidation.problem('request', 'http://example.com/x?wsdl', 'http://example.com/x?wsdl')).toMatch(/needs the WSDL as a local file/);
  });

  it('junction validate reports them on the source and the target', async () => {
    const source = SoapSourceSchema.parse({ path: '/b', wsdl: 'broken.wsdl', validate: 'request' });
    const sourceProblems = await checkSoapSource(source, { baseDir: dir } as Parameters<typeof checkSoapSource>[1]);
    expect(sourceProblems).toContainEqual({ path: ['validate'], message: expect.stringMatching(/cannot be used/) });
    const target = SoapTargetSchema.parse({ wsdl: 'https://erp.example.com/soap?wsdl', operation: 'X', validate: 'response' });
    const targetProblems = await checkSoapTarget(target, { baseDir: dir } as Parameters<typeof checkSoapTarget>[1]);
    expect(targetProblems).toEqual([{ path: ['validate'], message: expect.stringMatching(/needs the WSDL as a local file/) }]);
  });
});

describe("SoapValidation: the repository's own WSDLs", () => {
  const ROOT = join(__dirname, '../../../..');
  it.each([
    'test/fixtures/wsdl/order-service.wsdl',
    'test/fixtures/wsdl/order-service-split.wsdl',
    'test/fixtures/wsdl/order-service-soap11.wsdl',
    'apps/sandbox/wsdl/erp.wsdl',
    'routes/wsdl/legacy-orders.wsdl',
    'bench/routes/http/wsdl/buy-stocks.wsdl',
  ])('%s: its schemas load and compile', async (file) => {
    expect(await SoapValidation.problem('both', file, join(ROOT, file))).toBeUndefined();
  });

  it('rpc-style operations cannot be validated: junction validate says so at validate', async () => {
    const baseDir = join(ROOT, 'test/fixtures/wsdl');
    const source = SoapSourceSchema.parse({ path: '/stock', wsdl: 'legacy-stock-rpc.wsdl', validate: 'request' });
    const problems = await checkSoapSource(source, { baseDir } as Parameters<typeof checkSoapSource>[1]);
    expect(problems).toContainEqual({ path: ['validate'], message: expect.stringMatching(/document\/literal payloads; .* rpc-style/) });
    const plain = SoapSourceSchema.parse({ path: '/stock', wsdl: 'legacy-stock-rpc.wsdl' });
    expect(await checkSoapSource(plain, { baseDir } as Parameters<typeof checkSoapSource>[1])).toEqual([]);
  });

  it('a WSDL whose import leaves its folder is refused', async () => {
    expect(await SoapValidation.problem('both', 'escaping.wsdl', join(ROOT, 'test/fixtures/wsdl/traversal/escaping.wsdl'))).toMatch(/outside/);
  });
});
