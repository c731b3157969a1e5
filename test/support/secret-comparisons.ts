// A type-aware scan for secret comparisons that are not constant-time: `===`, `!==`, `==`, `!=`,
// `Buffer.compare`, `.equals()` and `.localeCompare()` where one side names secret material (a secret,
// password, hash, digest, signature, token, key, MAC or credential) and holds a string or bytes, and the
// other side is a value rather than `null`, `undefined` or `''` (an emptiness check leaks nothing).
// The checker's types keep it precise: a boolean flag named `hmac` or a `token.length` is not a secret.
import ts from 'typescript';

const SECRET_NAME = /secret|passw|hash|digest|signature|token|key|credential|hmac|mac$/i;

export interface Finding {
  file: string;
  line: number;
  text: string;
}

function nameOf(node: ts.Expression): string | undefined {
  let inner: ts.Expression = node;
  while (ts.isParenthesizedExpression(inner) || ts.isNonNullExpression(inner) || ts.isAsExpression(inner) || ts.isSatisfiesExpression(inner)) {
    inner = inner.expression;
  }
  if (ts.isIdentifier(inner)) return inner.text;
  if (ts.isPropertyAccessExpression(inner)) return inner.name.text;
  if (ts.isElementAccessExpression(inner)) return ts.isStringLiteralLike(inner.argumentExpression) ? inner.argumentExpression.text : undefined;
  if (ts.isCallExpression(inner)) return nameOf(inner.expression);
  return undefined;
}

function isHarmless(node: ts.Expression): boolean {
  const inner = ts.skipPartiallyEmittedExpressions(node);
  if (inner.kind === ts.SyntaxKind.NullKeyword) return true;
  if (ts.isIdentifier(inner) && inner.text === 'undefined') return true;
  if (ts.isVoidExpression(inner)) return true;
  if (ts.isTypeOfExpression(inner)) return true;
  if (ts.isStringLiteralLike(inner) && inner.text === '') return true;
  return false;
}

/** Whether a type can hold a secret: a string or bytes (anything but numbers, booleans, null and undefined). */
function holdsSecret(checker: ts.TypeChecker, node: ts.Expression): boolean {
  const type = checker.getTypeAtLocation(node);
  const parts = type.isUnion() ? type.types : [type];
  return parts.some((part) => {
    const flags = part.getFlags();
    if (flags & (ts.TypeFlags.NumberLike | ts.TypeFlags.BooleanLike | ts.TypeFlags.Null | ts.TypeFlags.Undefined | ts.TypeFlags.Void)) return false;
    if (flags & (ts.TypeFlags.StringLike | ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return true;
    const name = checker.typeToString(part);
    return /Uint8Array|Buffer|ArrayBuffer|KeyObject|CryptoKey/.test(name);
  });
}

const EQUALITY = new Set([
  ts.SyntaxKind.EqualsEqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsEqualsToken,
  ts.SyntaxKind.EqualsEqualsToken,
  ts.SyntaxKind.ExclamationEqualsToken,
]);

function suspicious(checker: ts.TypeChecker, secretSide: ts.Expression, otherSide: ts.Expression): boolean {
  const name = nameOf(secretSide);
  if (name === undefined || !SECRET_NAME.test(name) || /^(length|size|byteLength)$/.test(name)) return false;
  if (isHarmless(otherSide) || isHarmless(secretSide)) return false;
  return holdsSecret(checker, secretSide) && holdsSecret(checker, otherSide);
}

/** The secret comparisons in `program`'s source files for which `include` is true. */
export function findSecretComparisons(program: ts.Program, include: (fileName: string) => boolean): Finding[] {
  const checker = program.getTypeChecker();
  const findings: Finding[] = [];
  for (const source of program.getSourceFiles()) {
    if (source.isDeclarationFile || !include(source.fileName)) continue;
    const report = (node: ts.Node): void => {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      findings.push({ file: source.fileName, line: line + 1, text: node.getText(source) });
    };
    const visit = (node: ts.Node): void => {
      if (ts.isBinaryExpression(node) && EQUALITY.has(node.operatorToken.kind)) {
        if (suspicious(checker, node.left, node.right) || suspicious(checker, node.right, node.left)) report(node);
      } else if (ts.isCallExpression(node)) {
        const callee = node.expression;
        const [first, second] = node.arguments;
        if (ts.isPropertyAccessExpression(callee) && /^(equals|localeCompare)$/.test(callee.name.text) && first !== undefined) {
          if (suspicious(checker, callee.expression, first) || suspicious(checker, first, callee.expression)) report(node);
        } else if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'compare' && first !== undefined && second !== undefined) {
          if (suspicious(checker, first, second) || suspicious(checker, second, first)) report(node);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return findings;
}

/** A program over the repository's own tsconfig. */
export function repositoryProgram(tsconfigPath: string): ts.Program {
  const config = ts.readConfigFile(tsconfigPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, tsconfigPath.replace(/[^/]+$/, ''));
  return ts.createProgram(parsed.fileNames, { ...parsed.options, noEmit: true });
}

/** A program over one in-memory file, for checking the scan itself. */
export function inMemoryProgram(fileName: string, text: string): ts.Program {
  const options: ts.CompilerOptions = { strict: true, target: ts.ScriptTarget.ES2022, types: ['node'], noEmit: true };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === fileName ? text : readFile(name));
  host.fileExists = ((exists) => (name: string) => name === fileName || exists(name))(host.fileExists.bind(host));
  host.getSourceFile = (name, languageVersion, ...rest) =>
    name === fileName ? ts.createSourceFile(name, text, languageVersion, true) : getSourceFile(name, languageVersion, ...rest);
  return ts.createProgram([fileName], options, host);
}
