import ts from "typescript";

/**
 * The mechanical part of a move from CDKTF to CDK Terrain: package names in import specifiers, and
 * nothing else. Only module specifiers change (imports, exports, `import()` types and calls,
 * `require()`), found with the TypeScript parser. A plain search-and-replace of "cdktf" would also
 * change string values such as the stacks' `ManagedBy: "cdktf"` default tag, and with it the tags of
 * every resource.
 */

/** Specifier → its cdktn equivalent; undefined when the specifier is not a CDKTF package. */
export function cdktnSpecifier(specifier: string): string | undefined {
  if (specifier === "cdktf" || specifier.startsWith("cdktf/"))
    return `cdktn${specifier.slice("cdktf".length)}`;
  // The provider bindings keep their `lib/<resource>` layout; only the scope changes.
  if (specifier === "@cdktf/provider-aws" || specifier.startsWith("@cdktf/provider-aws/")) {
    return `@cdktn/provider-aws${specifier.slice("@cdktf/provider-aws".length)}`;
  }
  return undefined;
}

/**
 * A CDKTF package this check has no mapping for (another prebuilt provider, the CLI, `@cdktf/*`
 * internals). Our own package, `cdktf-efs-shared-home`, only shares the prefix.
 */
export function isUnmappedCdktfSpecifier(specifier: string): boolean {
  if (cdktnSpecifier(specifier) !== undefined) return false;
  if (packageWithoutCdktnBinding(specifier) !== undefined) return false;
  return specifier.startsWith("@cdktf/") || specifier === "cdktf-cli" || specifier.startsWith("cdktf-cli/");
}

/**
 * Prebuilt CDKTF bindings with no cdktn counterpart on the npm registry, and what a team does instead.
 * Files that import one are left out of both copies (the check says which), not failed: there is
 * nothing to install, and the rest of the app must still be compared.
 */
export const NO_CDKTN_BINDING: Readonly<Record<string, string>> = {
  "@cdktf/provider-kubernetes":
    "no @cdktn/provider-kubernetes on npm (looked up 2026-12-06); on cdktn, generate the Kubernetes bindings with `cdktn get`, or apply the plain manifests (`kubernetesManifestsOutput`), which this check covers",
};

/** The package of `specifier` that has no cdktn binding, if it is one. */
export function packageWithoutCdktnBinding(specifier: string): string | undefined {
  return Object.keys(NO_CDKTN_BINDING).find((name) => specifier === name || specifier.startsWith(`${name}/`));
}

/** Every module specifier a TypeScript file names (imports, exports, `import()`, `require()`). */
export function importedSpecifiers(source: string, fileName = "file.ts"): string[] {
  const sourceFile = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  return moduleSpecifiers(sourceFile).map((literal) => literal.text);
}

export interface RewriteResult {
  /** The source with every mapped specifier replaced. */
  readonly text: string;
  /** Specifiers of CDKTF packages with no cdktn mapping, as `<line>: <specifier>`. */
  readonly unmapped: readonly string[];
}

/** Module specifiers in `source`, as string-literal nodes. */
function moduleSpecifiers(sourceFile: ts.SourceFile): ts.StringLiteralLike[] {
  const found: ts.StringLiteralLike[] = [];
  const visit = (node: ts.Node): void => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && node.moduleSpecifier) {
      if (ts.isStringLiteralLike(node.moduleSpecifier)) found.push(node.moduleSpecifier);
    } else if (ts.isExternalModuleReference(node) && ts.isStringLiteralLike(node.expression)) {
      found.push(node.expression); // import x = require("cdktf")
    } else if (ts.isImportTypeNode(node)) {
      const literal = ts.isLiteralTypeNode(node.argument) ? node.argument.literal : undefined;
      if (literal && ts.isStringLiteralLike(literal)) found.push(literal); // import("cdktf").App
    } else if (ts.isCallExpression(node) && node.arguments.length === 1) {
      const [argument] = node.arguments;
      const isRequire = ts.isIdentifier(node.expression) && node.expression.text === "require";
      const isDynamicImport = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      if ((isRequire || isDynamicImport) && argument && ts.isStringLiteralLike(argument))
        found.push(argument);
    }
    ts.forEachChild(node, visit);
  };
  visit(sourceFile);
  return found;
}

/** Rewrites the CDKTF package specifiers of one TypeScript file to their cdktn equivalents. */
export function rewriteImports(source: string, fileName = "file.ts"): RewriteResult {
  const sourceFile = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const unmapped: string[] = [];
  // From the end, so that earlier positions stay valid while the text changes.
  const replacements = moduleSpecifiers(sourceFile)
    .map((literal) => ({ literal, target: cdktnSpecifier(literal.text) }))
    .sort((a, b) => b.literal.getStart(sourceFile) - a.literal.getStart(sourceFile));
  let text = source;
  for (const { literal, target } of replacements) {
    if (target === undefined) {
      if (isUnmappedCdktfSpecifier(literal.text)) {
        const { line } = sourceFile.getLineAndCharacterOfPosition(literal.getStart(sourceFile));
        unmapped.unshift(`${line + 1}: ${literal.text}`);
      }
      continue;
    }
    // Keep the quotes as written; replace only what is between them.
    const start = literal.getStart(sourceFile) + 1;
    const end = literal.getEnd() - 1;
    text = `${text.slice(0, start)}${target}${text.slice(end)}`;
  }
  return { text, unmapped };
}
