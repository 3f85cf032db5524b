// Reads the text INFO answers ("# Server\r\nredis_version:7.2.4\r\n...") into sections of fields.
// Section names are lower case, as INFO takes them (`info("persistence")`).

export type InfoSections = Record<string, Record<string, string>>;

export function parseInfo(text: string): InfoSections {
  const sections: InfoSections = {};
  let current: Record<string, string> | undefined;
  for (const rawLine of text.split("\n")) {
    const line = rawLine.trim();
    if (line.startsWith("#")) {
      current = {};
      sections[line.slice(1).trim().toLowerCase()] = current;
      continue;
    }
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    current ??= sections[""] = {};
    current[line.slice(0, colon)] = line.slice(colon + 1);
  }
  return sections;
}
