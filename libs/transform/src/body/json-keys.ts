// Up to this many keys an object's keys are compared where they stand in the text, without a string made for each:
// most objects are that small, and a set costs more than a few comparisons that mostly fail on the length.
const COMPARED_IN_PLACE = 8;

/**
 * The keys of the objects open during a scan of one JSON text, to find a key given twice in one object. Keys are
 * compared as JSON.parse would make them (escapes decoded). Memory: the keys of the open objects only; an object's
 * keys are dropped when it closes.
 */
export class OpenObjectKeys {
  // Start and end (between the quotes) of the keys of small objects, innermost object last, up to `top`: entries
  // past it are stale (setting an array's length costs a runtime call; the scan opens and closes many objects).
  private readonly spans: number[] = [];
  private top = 0;
  // Per open object, outermost first: where its keys begin in `spans`.
  private readonly bases: number[] = [];
  // Per open object, outermost first: its keys as strings, once it is past COMPARED_IN_PLACE keys or has an escaped one.
  private readonly sets: Array<Set<string> | undefined> = [];

  constructor(private readonly text: string) {}

  open(): void {
    this.bases.push(this.top);
    this.sets.push(undefined);
  }

  close(): void {
    this.top = this.bases.pop() ?? 0;
    this.sets.pop();
  }

  /**
   * Adds the key whose quotes are at `start - 1` and `end` to the innermost open object; false when that object
   * already has it. `escaped`: whether the key holds an escape.
   */
  add(start: number, end: number, escaped: boolean): boolean {
    const level = this.sets.length - 1;
    let set = this.sets[level];
    if (set === undefined) {
      const base = this.bases[level];
      if (!escaped && this.top - base < 2 * COMPARED_IN_PLACE) return this.addInPlace(base, start, end);
      set = new Set();
      for (let j = base; j < this.top; j += 2) set.add(this.text.slice(this.spans[j], this.spans[j + 1]));
      this.top = base;
      this.sets[level] = set;
    }
    const key = this.decode(start, end, escaped);
    if (set.has(key)) return false;
    set.add(key);
    return true;
  }

  /** The key as JSON.parse makes it. */
  decode(start: number, end: number, escaped: boolean): string {
    // The key was scanned as a valid JSON string, so JSON.parse only decodes its escapes.
    return escaped ? (JSON.parse(this.text.slice(start - 1, end + 1)) as string) : this.text.slice(start, end);
  }

  private addInPlace(base: number, start: number, end: number): boolean {
    const { spans, text, top } = this;
    const length = end - start;
    for (let j = base; j < top; j += 2) {
      const at = spans[j];
      if (spans[j + 1] - at !== length) continue;
      let k = 0;
      while (k < length && text.charCodeAt(at + k) === text.charCodeAt(start + k)) k++;
      if (k === length) return false;
    }
    spans[top] = start;
    spans[top + 1] = end;
    this.top = top + 2;
    return true;
  }
}
