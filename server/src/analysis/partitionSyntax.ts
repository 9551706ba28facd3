import ts = require("typescript");
import {
  type LiteralFact,
  MAPPING_FACTORIES,
  PARTITIONS_FACTORIES,
  type PartitionCallFact,
  type PartitionMappingEntryFact,
  type PartitionValueFact,
  type RefFact,
  type Span,
  type StringFact,
} from "./model";
import { isStringLike, propertyNameText, unwrap } from "./syntax";

/** Past this many elements an array or object is not read (a generated list of keys): it is left unchecked. */
const MAX_LITERAL_ELEMENTS = 20_000;

/**
 * Reads partition definitions out of one file's syntax: calls of the partition and mapping
 * factories (imported from "tributary-ts", a barrel, or through a namespace), inline in an asset's
 * `partitions` / `partitionMappings` or bound to a top-level constant. Only literal arguments are
 * kept; whether the factory really is Tributary's is decided at link time, like for `asset()`.
 */
export class PartitionSyntax {
  /** local name -> the factory it stands for, with the module it came from. */
  private readonly locals = new Map<string, { factory: string; module: string }>();

  constructor(
    private readonly namespaces: ReadonlyMap<string, string>,
    private readonly span: (node: ts.Node) => Span,
    private readonly stringSpan: (node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral) => Span,
    private readonly ref: (node: ts.Expression) => RefFact,
  ) {}

  /** Notes an import; true when it names a partition or mapping factory. */
  addImport(local: string, imported: string, module: string): boolean {
    if (!PARTITIONS_FACTORIES.has(imported) && !MAPPING_FACTORIES.has(imported)) return false;
    this.locals.set(local, { factory: imported, module });
    return true;
  }

  /** The factory call `node` is, if it is one (`dailyPartitions(...)`, `tb.staticMapping(...)`). */
  call(node: ts.Expression): PartitionCallFact | undefined {
    const expression = unwrap(node);
    if (!ts.isCallExpression(expression)) return undefined;
    const callee = unwrap(expression.expression);
    let found: { factory: string; module: string } | undefined;
    let nameNode: ts.Node = callee;
    if (ts.isIdentifier(callee)) found = this.locals.get(callee.text);
    else if (ts.isPropertyAccessExpression(callee) && ts.isIdentifier(callee.expression) && ts.isIdentifier(callee.name)) {
      const module = this.namespaces.get(callee.expression.text);
      const name = callee.name.text;
      if (module !== undefined && (PARTITIONS_FACTORIES.has(name) || MAPPING_FACTORIES.has(name))) found = { factory: name, module };
      nameNode = callee.name;
    }
    if (!found) return undefined;
    return {
      factory: found.factory, apiModule: found.module, span: this.span(expression), nameSpan: this.span(nameNode),
      args: expression.arguments.map((argument) => this.literal(argument)),
    };
  }

  /** `partitions: ...` of an asset: a factory call, a reference to a constant, or dynamic. */
  value(node: ts.Expression): PartitionValueFact {
    const call = this.call(node);
    return call ? { kind: "call", call, span: call.span } : this.ref(node);
  }

  /** `partitionMappings: {...}`: its entries, or undefined when it is not an object literal. */
  mappings(node: ts.Expression): PartitionMappingEntryFact[] | undefined {
    const object = unwrap(node);
    if (!ts.isObjectLiteralExpression(object)) return undefined;
    const entries: PartitionMappingEntryFact[] = [];
    for (const property of object.properties) {
      if (!ts.isPropertyAssignment(property)) continue;
      const name = propertyNameText(property.name);
      if (name === undefined) continue;
      const key: StringFact = { value: name, span: isStringLike(property.name) ? this.stringSpan(property.name) : this.span(property.name) };
      entries.push({ key, value: this.value(property.initializer) });
    }
    return entries;
  }

  /** A value as far as it is literal (see {@link LiteralFact}). */
  literal(node: ts.Expression): LiteralFact {
    const expression = unwrap(node);
    // A string's span is its content, quotes excluded, so that a did-you-mean replaces just the text.
    if (isStringLike(expression)) return { span: this.stringSpan(expression), value: expression.text };
    const span = this.span(expression);
    switch (expression.kind) {
      case ts.SyntaxKind.NumericLiteral:
        return { span, value: Number((expression as ts.NumericLiteral).text) };
      case ts.SyntaxKind.TrueKeyword:
        return { span, value: true };
      case ts.SyntaxKind.FalseKeyword:
        return { span, value: false };
      case ts.SyntaxKind.NullKeyword:
        return { span, value: null };
      default:
        break;
    }
    if (ts.isPrefixUnaryExpression(expression) && expression.operator === ts.SyntaxKind.MinusToken && ts.isNumericLiteral(expression.operand)) {
      return { span, value: -Number(expression.operand.text) };
    }
    if (ts.isArrayLiteralExpression(expression) && expression.elements.length <= MAX_LITERAL_ELEMENTS) {
      return { span, items: expression.elements.map((element) => ts.isSpreadElement(element) ? { span: this.span(element), dynamic: true } : this.literal(element)) };
    }
    if (ts.isObjectLiteralExpression(expression) && expression.properties.length <= MAX_LITERAL_ELEMENTS) {
      const props: Record<string, LiteralFact & { keySpan: Span }> = {};
      for (const property of expression.properties) {
        const name = ts.isPropertyAssignment(property) ? propertyNameText(property.name) : undefined;
        if (!ts.isPropertyAssignment(property) || name === undefined) return { span, dynamic: true };
        props[name] = { ...this.literal(property.initializer), keySpan: this.span(property.name) };
      }
      return { span, props };
    }
    return { span, dynamic: true };
  }

  /** Whether the file could hold a partition call at all (it imports a factory or a namespace). */
  get active(): boolean {
    return this.locals.size > 0 || this.namespaces.size > 0;
  }
}
