/**
 * The flat-file format a connector reads or writes (`format: { csv: {...} }` or `{ fixedWidth: {...} }`). The schema
 * lives in @junction/config, as the route schema's `convert` step uses it too; connectors take it from here and build
 * the codec once when the route loads: `compileFlatFormat(config.format)` from @junction/transform.
 */
export { CsvFormatSchema, FixedWidthFormatSchema, FlatFormatSchema, type FlatFormatConfig, FLAT_ENCODINGS } from '@junction/config';
