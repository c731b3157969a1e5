// Replaying a documented curl transcript with fetch. A transcript is a shell block of `curl` lines,
// each followed by the output it shows as `# ` comment lines:
//
//   curl -s -d 'username=johndoe&password=secret' localhost:8000/token
//   # {"access_token":"eyJ…","token_type":"bearer","expires_in":1800}
//   curl -si -H 'Authorization: Bearer eyJ…' localhost:8000/users/me/
//   # HTTP/1.1 200 OK
//   # {"username":"johndoe"}
//
// Understood: `-s` (no effect), `-i` (the output starts with the status line and the headers it
// shows), `-d DATA` (a POST of an urlencoded form, as curl sends it), `-H 'Name: value'`, `-X METHOD`,
// and one `localhost:8000` URL, which goes to the server under test instead. Anything else fails.
// `eyJ…` stands for the access token of the latest token response: in a command it is replaced by
// it, in an output it matches any JWT. Shown headers must be present with exactly that value (other
// headers may be there too); the shown body must equal the answer as JSON.

export interface CurlCommand {
  line: number;
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string | undefined;
  include: boolean;
  /** The `# ` lines after the command, without the `# `. */
  output: string[];
}

const TOKEN = 'eyJ…';
const JWT = /^eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Splits a command line into words: plain words and single-quoted strings, as a POSIX shell does. */
function words(line: string): string[] {
  const found: string[] = [];
  const pattern = /'([^']*)'|(\S+)/g;
  for (const match of line.matchAll(pattern)) found.push(match[1] ?? match[2] ?? '');
  return found;
}

/** Parses a transcript; `firstLine` is the 1-based line of its first line in the document. */
export function parseTranscript(code: string, firstLine: number): CurlCommand[] {
  const commands: CurlCommand[] = [];
  code.split('\n').forEach((raw, index) => {
    const text = raw.trim();
    const line = firstLine + index;
    if (text === '') return;
    if (text.startsWith('# ') || text === '#') {
      const last = commands.at(-1);
      if (last === undefined) throw new Error(`line ${line}: output before any command`);
      last.output.push(text.slice(2));
      return;
    }
    const [program, ...args] = words(text);
    if (program !== 'curl') throw new Error(`line ${line}: not a curl command: ${text}`);
    const command: CurlCommand = { line, method: 'GET', path: '', headers: {}, body: undefined, include: false, output: [] };
    for (let i = 0; i < args.length; i++) {
      const arg = args[i] ?? '';
      if (/^-[si]+$/.test(arg)) {
        if (arg.includes('i')) command.include = true;
      } else if (arg === '-d') {
        command.body = args[++i] ?? '';
        command.method = 'POST';
        command.headers['content-type'] ??= 'application/x-www-form-urlencoded';
      } else if (arg === '-H') {
        const header = args[++i] ?? '';
        const colon = header.indexOf(':');
        if (colon < 1) throw new Error(`line ${line}: bad header ${header}`);
        command.headers[header.slice(0, colon).trim().toLowerCase()] = header.slice(colon + 1).trim();
      } else if (arg === '-X') {
        command.method = args[++i] ?? '';
      } else if (arg.startsWith('localhost:8000/')) {
        if (command.path !== '') throw new Error(`line ${line}: two URLs`);
        command.path = arg.slice('localhost:8000'.length);
      } else {
        throw new Error(`line ${line}: curl option the replay does not know: ${arg}`);
      }
    }
    if (command.path === '') throw new Error(`line ${line}: no localhost:8000 URL`);
    commands.push(command);
  });
  return commands;
}

/** Whether `actual` is the JSON value `expected` shows, `eyJ…` matching any JWT. */
function matches(expected: unknown, actual: unknown): boolean {
  if (expected === TOKEN) return typeof actual === 'string' && JWT.test(actual);
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, i) => matches(item, actual[i]));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
    const keys = Object.keys(expected);
    return (
      keys.length === Object.keys(actual).length &&
      keys.every((key) => Object.hasOwn(actual, key) && matches((expected as Record<string, unknown>)[key], (actual as Record<string, unknown>)[key]))
    );
  }
  return Object.is(expected, actual);
}

/** Runs the commands against `base` (e.g. `http://127.0.0.1:41234`) in order; returns the mismatches, empty when all hold. */
export async function replay(commands: readonly CurlCommand[], base: string): Promise<string[]> {
  const problems: string[] = [];
  let token: string | undefined;
  for (const command of commands) {
    const where = `line ${command.line}`;
    const headers = Object.fromEntries(
      Object.entries(command.headers).map(([name, value]) => {
        if (!value.includes(TOKEN)) return [name, value];
        if (token === undefined) throw new Error(`${where}: ${TOKEN} before any token was issued`);
        return [name, value.replace(TOKEN, token)];
      }),
    );
    const res = await fetch(base + command.path, { method: command.method, headers, ...(command.body === undefined ? {} : { body: command.body }) });
    const text = await res.text();
    const output = [...command.output];
    if (output.length === 0) problems.push(`${where}: the transcript shows no output`);
    if (command.include) {
      const status = /^HTTP\/1\.1 (\d{3}) (.+)$/.exec(output.shift() ?? '');
      if (status === null) problems.push(`${where}: curl -i output must start with an HTTP/1.1 status line`);
      else if (Number(status[1]) !== res.status || status[2] !== res.statusText) {
        problems.push(`${where}: status ${res.status} ${res.statusText}, the docs show ${status[1]} ${status[2]}`);
      }
      while (output.length > 0 && /^[A-Za-z-]+: /.test(output[0] ?? '')) {
        const header = output.shift() ?? '';
        const colon = header.indexOf(':');
        const name = header.slice(0, colon);
        const value = header.slice(colon + 1).trim();
        if (res.headers.get(name) !== value) problems.push(`${where}: header ${name} is ${JSON.stringify(res.headers.get(name))}, the docs show ${JSON.stringify(value)}`);
      }
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      problems.push(`${where}: the answer is not JSON: ${text.slice(0, 200)}`);
      continue;
    }
    if (typeof body === 'object' && body !== null && typeof (body as { access_token?: unknown }).access_token === 'string') {
      token = (body as { access_token: string }).access_token;
    }
    if (output.length > 0) {
      const shown = output.join('\n');
      let expected: unknown;
      try {
        expected = JSON.parse(shown);
      } catch {
        problems.push(`${where}: the shown body is not JSON: ${shown}`);
        continue;
      }
      if (!matches(expected, body)) problems.push(`${where}: the answer is ${text}, the docs show ${shown}`);
    }
  }
  return problems;
}
