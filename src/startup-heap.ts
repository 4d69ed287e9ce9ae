/**
 * Start-up without a grown young generation (issue 12, idle RSS of an empty broker).
 *
 * Loading the broker's modules and opening its logs leaves many objects alive across V8's
 * scavenges, and V8 answers by doubling the semi-spaces (`--semi-space-growth-factor`, default
 * 2) up to their maximum (8 MiB each on 64-bit): about 15 MiB of new space that an idle broker
 * keeps resident, since V8 shrinks it only after a GC that an idle process never runs.
 * {@link holdYoungGeneration} sets the growth factor to 1 while the broker starts; the returned
 * function puts back V8's default, so the new space grows again as soon as traffic needs it.
 * Nothing is changed when the process was started with its own `--semi-space-growth-factor`,
 * `--max-semi-space-size` or `--min-semi-space-size` (node flags or NODE_OPTIONS).
 */
import { setFlagsFromString } from 'node:v8';

const V8_DEFAULT_GROWTH_FACTOR = 2;
const USER_SET = /--(semi[-_]space[-_]growth[-_]factor|max[-_]semi[-_]space[-_]size|min[-_]semi[-_]space[-_]size)\b/;

/** Holds V8's semi-spaces at their current size until the returned function is called. */
export function holdYoungGeneration(): () => void {
  const given = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => USER_SET.test(a));
  if (given) return () => {};
  setFlagsFromString('--semi-space-growth-factor=1');
  let released = false;
  return () => {
    if (released) return;
    released = true;
    setFlagsFromString(`--semi-space-growth-factor=${V8_DEFAULT_GROWTH_FACTOR}`);
  };
}
