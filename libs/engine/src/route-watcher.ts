import { watch, type FSWatcher } from 'node:fs';

/**
 * Calls `onChange` once things settle after files under `dir` change (editors write in bursts: a debounce of
 * `debounceMs` turns a save into one reload).
 */
export function watchRoutes(dir: string, onChange: () => void, debounceMs = 250): { close(): void } {
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dir, { recursive: true }, () => {
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
  } catch {
    watcher = watch(dir, () => {
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
  }
  watcher.unref();
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}
