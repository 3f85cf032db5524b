// COMMAND DOCS argument lists written as Redis's own syntax lines ("key seconds [NX|XX|GT|LT]")
// and turned into the nested ArgumentDoc form redis-cli builds its hints from. Grammar:
// `[...]` optional, `a|b` one of, `(...)` a block, `...` after an item: repeated; an UPPER word
// is a token (followed by a lower word: the token's argument); a lower word is an argument,
// typed by its name (key, pattern, integer-like names; the rest strings).
import type { ArgumentDoc } from "./context.js";

const KEY_NAMES = new Set(["key", "source", "destination", "newkey"]);
const INTEGER_NAMES = new Set([
  "seconds", "milliseconds", "unix-time-seconds", "unix-time-milliseconds", "increment", "decrement", "offset",
  "start", "end", "count", "cursor", "index", "destination-db", "numkeys",
]);

export function syntaxArguments(syntax: string): ArgumentDoc[] {
  const tokens = syntax.match(/\.\.\.|[[\]()|]|[^\s[\]()|]+/g) ?? [];
  const reader = { tokens, at: 0 };
  const parsed = readSequence(reader);
  if (reader.at !== tokens.length) throw new Error(`unbalanced syntax: ${syntax}`);
  return parsed;
}

interface Reader {
  tokens: string[];
  at: number;
}

/** Items up to a closing bracket or the end, with `|` making one-of groups. */
function readSequence(reader: Reader): ArgumentDoc[] {
  const alternatives: ArgumentDoc[][] = [[]];
  for (let next = reader.tokens[reader.at]; next !== undefined && next !== "]" && next !== ")"; next = reader.tokens[reader.at]) {
    if (next === "|") {
      reader.at++;
      alternatives.push([]);
      continue;
    }
    const item = readItem(reader);
    if (reader.tokens[reader.at] === "...") {
      reader.at++;
      item.multiple = true;
    }
    (alternatives[alternatives.length - 1] as ArgumentDoc[]).push(item);
  }
  if (alternatives.length === 1) return alternatives[0] as ArgumentDoc[];
  const choices = alternatives.map((items) => (items.length === 1 ? items[0] as ArgumentDoc : block(items)));
  return [{ name: choices.map((choice) => choice.name).join("-or-"), type: "oneof", arguments: choices }];
}

function readItem(reader: Reader): ArgumentDoc {
  const word = reader.tokens[reader.at++] as string;
  if (word === "[" || word === "(") {
    const inner = readSequence(reader);
    reader.at++; // the closing bracket
    const item = inner.length === 1 ? (inner[0] as ArgumentDoc) : block(inner);
    if (word === "[") item.optional = true;
    return item;
  }
  if (isToken(word)) {
    const next = reader.tokens[reader.at];
    if (next !== undefined && !isToken(next) && !/^[[\]()|]|\.\.\.$/.test(next)) {
      reader.at++;
      return { ...argument(next), token: word };
    }
    return { name: word.toLowerCase(), type: "pure-token", token: word };
  }
  return argument(word);
}

function argument(name: string): ArgumentDoc {
  if (KEY_NAMES.has(name)) return { name, type: "key" };
  if (name === "pattern") return { name, type: "pattern" };
  return { name, type: INTEGER_NAMES.has(name) ? "integer" : "string" };
}

function block(items: ArgumentDoc[]): ArgumentDoc {
  return { name: items.map((item) => item.name).join("-"), type: "block", arguments: items };
}

function isToken(word: string): boolean {
  return /^[A-Z][A-Z0-9-]*$/.test(word);
}
