// Reading the documentation's Markdown the way the docs test needs it: fenced code blocks with the
// HTML-comment markers written right above them, and pipe tables marked the same way.

/** A marker: an HTML comment on the line(s) right above a fence or a table, e.g. `<!-- file: auth.ts -->`. */
export interface Marker {
  /** The word before the colon: `continues`, `file`, `run`, `curl`, `json`, `error-table`. */
  name: string;
  /** What follows the colon, trimmed; `''` when there is none. */
  value: string;
}

/** One fenced code block. */
export interface CodeBlock {
  /** The Markdown file, relative to the repository root. */
  doc: string;
  /** The info string's first word (`ts`, `json`, `sh`…), `''` for a fence without one. */
  lang: string;
  /** The code, without the fences, with the fence's indentation removed. */
  code: string;
  /** The 1-based line of the opening fence. */
  line: number;
  /** The markers written above the fence. */
  markers: Marker[];
}

const MARKER = /^\s*<!--\s*([a-z][a-z-]*)\s*(?::\s*(.*?))?\s*-->\s*$/;

/** The markers on the comment lines right above line `index` (blank lines in between are allowed). */
function markersAbove(lines: readonly string[], index: number): Marker[] {
  const markers: Marker[] = [];
  for (let i = index - 1; i >= 0; i--) {
    const text = lines[i] ?? '';
    if (text.trim() === '') continue;
    const match = MARKER.exec(text);
    if (match === null) break;
    markers.unshift({ name: match[1] ?? '', value: match[2] ?? '' });
  }
  return markers;
}

/** Every fenced code block of a Markdown text (``` or ~~~ fences, any indentation, CommonMark closing rules). */
export function codeBlocks(doc: string, markdown: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)/.exec(lines[i] ?? '');
    if (open === null) continue;
    const [, indent = '', fence = '', lang = ''] = open;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length; j++) {
      const text = lines[j] ?? '';
      const close = /^\s*(`{3,}|~{3,})\s*$/.exec(text);
      if (close !== null && close[1]?.[0] === fence[0] && (close[1]?.length ?? 0) >= fence.length) break;
      body.push(text.startsWith(indent) ? text.slice(indent.length) : text.trimStart());
    }
    if (j === lines.length) throw new Error(`${doc}:${i + 1}: a code fence is never closed`);
    blocks.push({ doc, lang: lang.toLowerCase(), code: body.join('\n') + '\n', line: i + 1, markers: markersAbove(lines, i) });
    i = j;
  }
  return blocks;
}

/** A pipe table: its header cells and its rows, each cell trimmed, with the markers above it. */
export interface Table {
  line: number;
  header: string[];
  rows: Array<{ line: number; cells: string[] }>;
  markers: Marker[];
}

const cellsOf = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((cell) => cell.trim());

/** Every pipe table outside code fences. */
export function tables(markdown: string): Table[] {
  const lines = markdown.split('\n');
  const found: Table[] = [];
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const text = lines[i] ?? '';
    if (/^\s*(`{3,}|~{3,})/.test(text)) inFence = !inFence;
    if (inFence || !text.trim().startsWith('|')) continue;
    const separator = lines[i + 1] ?? '';
    if (!/^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$/.test(separator)) continue;
    const table: Table = { line: i + 1, header: cellsOf(text), rows: [], markers: markersAbove(lines, i) };
    let j = i + 2;
    for (; j < lines.length && (lines[j] ?? '').trim().startsWith('|'); j++) table.rows.push({ line: j + 1, cells: cellsOf(lines[j] ?? '') });
    found.push(table);
    i = j - 1;
  }
  return found;
}

/** Relative link targets (`[text](target)`) outside code fences, with their lines; anchors and URLs left out. */
export function relativeLinks(markdown: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = [];
  let inFence = false;
  markdown.split('\n').forEach((text, index) => {
    if (/^\s*(`{3,}|~{3,})/.test(text)) inFence = !inFence;
    if (inFence) return;
    for (const match of text.replace(/`[^`]*`/g, '').matchAll(/\]\(([^)\s]+)\)/g)) {
      const target = match[1] ?? '';
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      links.push({ line: index + 1, target: target.replace(/#.*$/, '') });
    }
  });
  return links;
}
