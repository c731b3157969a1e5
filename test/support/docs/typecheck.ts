// Type-checking documentation code with the TypeScript compiler API, against the real sources: the
// repository's tsconfig.json (its strict flags and its `paths`, which map `gatepass`,
// `gatepass/password` and `gatepass/<adapter>` to src/ and adapters/), with the code blocks as
// in-memory modules in a directory inside the repository, so `node_modules` resolves as for any file.
import { dirname, join } from 'node:path';
import ts from 'typescript';

/** A module to check: its absolute path (a `.ts`, `.js` or `.cjs` file that need not exist) and its text. */
export interface VirtualModule {
  path: string;
  text: string;
}

/** A compiler error in one of the modules. */
export interface BlockDiagnostic {
  path: string;
  /** 0-based line in the module's text. */
  line: number;
  message: string;
}

export interface Checker {
  /** Checks the modules together, as the files of one app: a module may import another by `./name.js`. */
  check(modules: readonly VirtualModule[]): BlockDiagnostic[];
}

/**
 * A checker that keeps parsed library files (lib, `@types/node`, the frameworks' types, src/) between
 * calls, so that only the first program pays for parsing them.
 */
export function createChecker(root: string): Checker {
  const configPath = join(root, 'tsconfig.json');
  const parsed = ts.getParsedCommandLineOfConfigFile(configPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (parsed === undefined) throw new Error(`cannot read ${configPath}`);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    // A snippet may declare a name to show it without using it; every other flag stays as the sources have it.
    noUnusedLocals: false,
    noUnusedParameters: false,
    // JavaScript blocks (`.js`, `.cjs`) are checked too, with the same flags.
    allowJs: true,
    checkJs: true,
  };
  const cache = new Map<string, ts.SourceFile>();

  return {
    check(modules) {
      const virtual = new Map(modules.map((module) => [module.path, module.text]));
      const virtualDirs = new Set(modules.map((module) => dirname(module.path)));
      const host = ts.createCompilerHost(options, true);
      const { fileExists, readFile, directoryExists, getSourceFile } = host;
      host.fileExists = (file) => virtual.has(file) || fileExists.call(host, file);
      host.readFile = (file) => virtual.get(file) ?? readFile.call(host, file);
      host.directoryExists = (dir) => virtualDirs.has(dir) || (directoryExists?.call(host, dir) ?? ts.sys.directoryExists(dir));
      host.getSourceFile = (file, languageVersion, onError, shouldCreate) => {
        const text = virtual.get(file);
        if (text !== undefined) return ts.createSourceFile(file, text, languageVersion, true);
        const key = `${file}\0${JSON.stringify(languageVersion)}`;
        let source = cache.get(key);
        if (source === undefined) {
          source = getSourceFile.call(host, file, languageVersion, onError, shouldCreate);
          if (source !== undefined) cache.set(key, source);
        }
        return source;
      };
      const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
      const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
      for (const path of virtual.keys()) {
        const source = program.getSourceFile(path);
        if (source === undefined) throw new Error(`${path} is not in the program`);
        diagnostics.push(...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source));
      }
      return diagnostics.map((diagnostic) => {
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
        if (diagnostic.file === undefined || diagnostic.start === undefined) return { path: '', line: 0, message };
        const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
        return { path: diagnostic.file.fileName, line, message };
      });
    },
  };
}
