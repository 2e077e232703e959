// Lets a worker thread run the TypeScript sources, as jest runs them (an in-process test bus): `.ts` modules are
// compiled with SWC on require, and `@junction/<lib>` resolves to `libs/<lib>/src`. Plain JavaScript because it is
// what makes TypeScript loadable; never used by the built bus, whose workers run the compiled `.js` files.
const { readFileSync } = require('node:fs');
const Module = require('node:module');
const { join } = require('node:path');
const { transformSync } = require('@swc/core');

const LIBS = join(__dirname, '..', '..', '..');
const OPTIONS = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
  },
  module: { type: 'commonjs' },
  sourceMaps: 'inline',
};

Module._extensions['.ts'] = (module, filename) => {
  module._compile(transformSync(readFileSync(filename, 'utf8'), { ...OPTIONS, filename }).code, filename);
};

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lib = /^@junction\/([a-z]+)$/.exec(request);
  return resolveFilename.call(this, lib ? join(LIBS, lib[1], 'src') : request, ...rest);
};
