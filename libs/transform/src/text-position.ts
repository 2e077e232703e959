/**
 * `line L, column C` of an index in a text, both counted from 1 (columns in UTF-16 units). Linear in the index; meant
 * for error paths only.
 */
export function describePosition(text: string, index: number): string {
  let line = 1;
  let lineStart = 0;
  for (let nl = text.indexOf('\n'); nl !== -1 && nl < index; nl = text.indexOf('\n', nl + 1)) {
    line++;
    lineStart = nl + 1;
  }
  return `line ${line}, column ${index - lineStart + 1}`;
}
