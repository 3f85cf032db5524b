// Redis-style glob patterns (CONFIG GET, KEYS, SCAN and HSCAN MATCH): `*` any run of characters,
// `?` one character, `[abc]` / `[a-z]` / `[^x]` a character class, `\x` a literal x.
// Matching is linear-ish: one remembered `*` to backtrack to (the classic two-pointer
// method), so a hostile pattern cannot make it exponential.

export function globMatch(pattern: string, text: string, options: { ignoreCase?: boolean } = {}): boolean {
  const p = options.ignoreCase ? pattern.toLowerCase() : pattern;
  const t = options.ignoreCase ? text.toLowerCase() : text;
  let pi = 0;
  let ti = 0;
  let starPi = -1; // pattern index just after the last `*` seen
  let starTi = 0; // text index that `*` is currently assumed to end at
  while (ti < t.length) {
    if (pi < p.length && p[pi] === "*") {
      starPi = ++pi;
      starTi = ti;
      continue;
    }
    const step = pi < p.length ? matchOne(p, pi, t[ti] as string) : 0;
    if (step > 0) {
      pi += step;
      ti++;
    } else if (starPi >= 0) {
      pi = starPi; // let the last `*` swallow one more character
      ti = ++starTi;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === "*") pi++;
  return pi === p.length;
}

/** Length of the pattern token at `pi` if it matches `ch`, else 0. */
function matchOne(p: string, pi: number, ch: string): number {
  const token = p[pi];
  if (token === "?") return 1;
  if (token === "\\" && pi + 1 < p.length) return p[pi + 1] === ch ? 2 : 0;
  if (token === "[") return matchClass(p, pi, ch);
  return token === ch ? 1 : 0;
}

/** A `[...]` class starting at `pi`; an unterminated class runs to the end of the pattern. */
function matchClass(p: string, pi: number, ch: string): number {
  let i = pi + 1;
  const negate = p[i] === "^";
  if (negate) i++;
  let matched = false;
  while (i < p.length && p[i] !== "]") {
    if (p[i] === "\\" && i + 1 < p.length) {
      if (p[i + 1] === ch) matched = true;
      i += 2;
    } else if (p[i + 1] === "-" && i + 2 < p.length && p[i + 2] !== "]") {
      const [low, high] = [p[i] as string, p[i + 2] as string].sort();
      if (ch >= (low as string) && ch <= (high as string)) matched = true;
      i += 3;
    } else {
      if (p[i] === ch) matched = true;
      i++;
    }
  }
  const end = i < p.length ? i + 1 : i;
  return matched !== negate ? end - pi : 0;
}
