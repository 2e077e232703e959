/** DI token of the BusRuntime the admin API reads. */
export const BUS_RUNTIME = Symbol('BUS_RUNTIME');
