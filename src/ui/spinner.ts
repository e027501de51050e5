/** A one-line spinner on stderr, drawn only on a terminal. */

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

/** A running spinner; `stop` clears its line. */
export interface Spinner {
  update(text: string): void;
  stop(): void;
}

/** Starts a spinner with `text` on `stream` when it is a terminal; elsewhere prints `text` once. */
export function startSpinner(stream: { write(text: string): unknown; isTTY?: boolean }, text: string): Spinner {
  if (!stream.isTTY) {
    stream.write(`${text}\n`);
    return { update: () => {}, stop: () => {} };
  }
  let frame = 0;
  let current = text;
  const draw = () => stream.write(`\r\x1b[K${FRAMES[frame++ % FRAMES.length]} ${current}`);
  draw();
  const timer = setInterval(draw, 100);
  timer.unref();
  let stopped = false;
  return {
    update(next) {
      current = next;
      draw();
    },
    stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(timer);
      stream.write('\r\x1b[K');
    },
  };
}
