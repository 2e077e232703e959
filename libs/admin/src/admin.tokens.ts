/** DI token of the BusRuntime the admin API reads. */
export const BUS_RUNTIME = Symbol('BUS_RUNTIME');
/** DI token of the admin bearer token (undefined: admin open, as on a developer's machine). */
export const ADMIN_TOKEN = Symbol('ADMIN_TOKEN');
