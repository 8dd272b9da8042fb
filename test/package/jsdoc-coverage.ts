import path from 'node:path';
import ts from 'typescript';

/**
 * Every declaration users can reach from the package's entry points, with whether it has a JSDoc
 * comment: exported functions, classes and their public methods, interfaces, type aliases,
 * variables, namespaces (recursively), and every property of an options type (`*Options`).
 */
export interface Undocumented { entry: string; name: string; file: string; line: number }

export function undocumented(root: string, entries: Record<string, string>): { checked: number; missing: Undocumented[] } {
  const program = ts.createProgram(Object.values(entries).map((e) => path.join(root, e)), {
    strict: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, noEmit: true, skipLibCheck: true,
  });
  const checker = program.getTypeChecker();
  const missing: Undocumented[] = [];
  const seen = new Set<ts.Node>();
  let checked = 0;

  const hasDoc = (node: ts.Node): boolean => {
    // Variable statements carry the comment, not the declaration.
    const target = ts.isVariableDeclaration(node) ? node.parent.parent : node;
    return ts.getJSDocCommentsAndTags(target).length > 0;
  };
  const report = (entry: string, name: string, node: ts.Node): void => {
    if (seen.has(node)) return;
    seen.add(node);
    const file = node.getSourceFile();
    if (!file.fileName.startsWith(path.join(root, 'src'))) return;
    checked++;
    if (!hasDoc(node)) missing.push({ entry, name, file: path.relative(root, file.fileName), line: file.getLineAndCharacterOfPosition(node.getStart()).line + 1 });
  };
  const members = (entry: string, owner: string, nodes: ts.NodeArray<ts.Node> | undefined): void => {
    for (const member of nodes ?? []) {
      if (!(ts.isPropertySignature(member) || ts.isMethodSignature(member) || ts.isPropertyDeclaration(member) || ts.isMethodDeclaration(member) || ts.isGetAccessor(member))) continue;
      const modifiers = ts.canHaveModifiers(member) ? ts.getModifiers(member) ?? [] : [];
      if (modifiers.some((m) => m.kind === ts.SyntaxKind.PrivateKeyword || m.kind === ts.SyntaxKind.ProtectedKeyword)) continue;
      if (member.name && (ts.isPrivateIdentifier(member.name) || ts.isComputedPropertyName(member.name))) continue;
      report(entry, `${owner}.${member.name?.getText() ?? '?'}`, member);
    }
  };
  const visitType = (entry: string, name: string, type: ts.TypeNode | undefined): void => {
    if (!type) return;
    if (ts.isTypeLiteralNode(type)) members(entry, name, type.members);
    else if (ts.isUnionTypeNode(type) || ts.isIntersectionTypeNode(type)) for (const t of type.types) visitType(entry, name, t);
    else if (ts.isParenthesizedTypeNode(type)) visitType(entry, name, type.type);
  };
  const visitSymbol = (entry: string, name: string, symbol: ts.Symbol): void => {
    const resolved = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    for (const decl of resolved.declarations ?? []) {
      if (ts.isSourceFile(decl) || ts.isModuleDeclaration(decl) || ts.isNamespaceExport(decl)) {
        // `export * as aws from './aws/index.js'`: everything it exports is public too.
        const moduleSymbol = ts.isSourceFile(decl) ? checker.getSymbolAtLocation(decl) : resolved;
        if (moduleSymbol) for (const inner of checker.getExportsOfModule(moduleSymbol)) visitSymbol(entry, `${name}.${inner.name}`, inner);
        continue;
      }
      report(entry, name, decl);
      if (ts.isClassDeclaration(decl)) members(entry, name, decl.members.filter((m) => ts.isMethodDeclaration(m) || ts.isGetAccessor(m)) as unknown as ts.NodeArray<ts.Node>);
      if (/Options$/.test(name) && ts.isInterfaceDeclaration(decl)) members(entry, name, decl.members);
      if (/Options$/.test(name) && ts.isTypeAliasDeclaration(decl)) visitType(entry, name, decl.type);
    }
  };
  for (const [entry, file] of Object.entries(entries)) {
    const source = program.getSourceFile(path.join(root, file));
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`cannot read ${file}`);
    for (const symbol of checker.getExportsOfModule(moduleSymbol)) visitSymbol(entry, symbol.name, symbol);
  }
  return { checked, missing };
}
