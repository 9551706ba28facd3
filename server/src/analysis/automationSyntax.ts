import ts = require("typescript");
import type { AutomationFact, FreshnessFact, Span, StringFact } from "./model";
import { isStringLike, propertyNameText, unwrap } from "./syntax";

/** Factories of `AutomationCondition` that take `(cron, { timezone })`. */
export const CRON_FACTORIES: ReadonlySet<string> = new Set(["onCron", "cronTickPassed", "allDepsUpdatedSinceCron"]);
/** Factories of `AutomationCondition` that take a condition (dep conditions). */
const DEP_FACTORIES: ReadonlySet<string> = new Set(["anyDepsMatch", "allDepsMatch"]);
/** Functions of "tributary-ts" that compose conditions. */
const COMBINATORS: ReadonlySet<string> = new Set(["and", "or", "not"]);
/** How deep a condition (through constants) is read; past it, unknown. */
const MAX_DEPTH = 64;

/**
 * Reads `automation:` and `freshness:` values of one file's asset specs (syntax only, nothing
 * runs): `AutomationCondition.eager()`, `.onCron("0 6 * * *", { timezone })`, compositions with
 * `.and/.or/.not/.since/.newlyTrue`, `and(...)`/`or(...)`/`not(...)`, dep conditions, and top-level
 * constants of the same file holding any of these. Anything else (a function's result, an import
 * from another module) is `unknown`, which no rule reports on.
 */
export class AutomationSyntax {
  /** Local names of `AutomationCondition`. */
  private readonly conditionLocals = new Set<string>();
  /** Local name -> `and` / `or` / `not`. */
  private readonly combinatorLocals = new Map<string, string>();
  /** Top-level `const name = <expression>` of the file, read lazily. */
  private consts: Map<string, ts.Expression> | undefined;

  constructor(
    private readonly sf: ts.SourceFile,
    private readonly namespaces: ReadonlyMap<string, string>,
    private readonly span: (node: ts.Node) => Span,
    private readonly stringSpan: (node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral) => Span,
  ) {}

  /** Notes an import; true when it names `AutomationCondition` or a combinator. */
  addImport(local: string, imported: string): boolean {
    if (imported === "AutomationCondition") this.conditionLocals.add(local);
    else if (COMBINATORS.has(imported)) this.combinatorLocals.set(local, imported);
    else return false;
    return true;
  }

  /** The condition `node` is. */
  condition(node: ts.Expression): AutomationFact {
    return this.read(node, 0, new Set());
  }

  /**
   * Top-level constants of the file that hold a condition (their value's root is a condition
   * call), or undefined when there are none or the file names no condition API.
   */
  conditionConsts(): Record<string, AutomationFact> | undefined {
    if (this.conditionLocals.size === 0 && this.combinatorLocals.size === 0 && this.namespaces.size === 0) return undefined;
    this.constInit("");
    let found: Record<string, AutomationFact> | undefined;
    for (const [name, init] of this.consts!) {
      if (!ts.isCallExpression(unwrap(init))) continue;
      const fact = this.read(init, 0, new Set([name]));
      if (fact.kind !== "unknown" && fact.kind !== "ref" && !onlyUnknown(fact)) (found ??= {})[name] = fact;
    }
    return found;
  }

  /** `freshness: { maxLag, warnAfter }` (or a same-file constant holding such an object). */
  freshness(node: ts.Expression): FreshnessFact {
    let expression = unwrap(node);
    const seen = new Set<string>();
    while (ts.isIdentifier(expression) && !seen.has(expression.text)) {
      seen.add(expression.text);
      const init = this.constInit(expression.text);
      if (!init) break;
      expression = unwrap(init);
    }
    const fact: FreshnessFact = { span: this.span(unwrap(node)) };
    if (!ts.isObjectLiteralExpression(expression)) return { ...fact, dynamic: true };
    let sawMaxLag = false;
    for (const property of expression.properties) {
      if (!ts.isPropertyAssignment(property)) {
        fact.dynamic = true;
        continue;
      }
      const name = propertyNameText(property.name);
      if (name === undefined) {
        fact.dynamic = true;
        continue;
      }
      if (name !== "maxLag" && name !== "warnAfter") {
        (fact.unknownKeys ??= []).push({ value: name, span: this.span(property.name) });
        continue;
      }
      if (name === "maxLag") sawMaxLag = true;
      const value = unwrap(property.initializer);
      if (isStringLike(value)) fact[name] = { value: value.text, span: this.stringSpan(value) };
      else fact.dynamic = true;
    }
    if (!sawMaxLag && !fact.dynamic) fact.missingMaxLag = true;
    return fact;
  }

  private constInit(name: string): ts.Expression | undefined {
    if (!this.consts) {
      this.consts = new Map();
      for (const statement of this.sf.statements) {
        if (!ts.isVariableStatement(statement) || !(statement.declarationList.flags & ts.NodeFlags.Const)) continue;
        for (const declaration of statement.declarationList.declarations) {
          if (ts.isIdentifier(declaration.name) && declaration.initializer) this.consts.set(declaration.name.text, declaration.initializer);
        }
      }
    }
    return this.consts.get(name);
  }

  private isConditionClass(node: ts.Expression): boolean {
    const expression = unwrap(node);
    if (ts.isIdentifier(expression)) return this.conditionLocals.has(expression.text);
    return ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression)
      && this.namespaces.has(expression.expression.text) && expression.name.text === "AutomationCondition";
  }

  private read(node: ts.Expression, depth: number, seen: Set<string>): AutomationFact {
    const expression = unwrap(node);
    const span = this.span(expression);
    if (depth > MAX_DEPTH) return { kind: "unknown", span };
    if (ts.isIdentifier(expression)) {
      if (seen.has(expression.text)) return { kind: "unknown", span };
      const init = this.constInit(expression.text);
      // Not a constant of this file: an import, resolved at link time (or nothing, then unknown).
      if (!init) return { kind: "ref", name: expression.text, span };
      return this.read(init, depth + 1, new Set([...seen, expression.text]));
    }
    if (ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression) && ts.isIdentifier(expression.name)
      && this.namespaces.has(expression.expression.text)) {
      return { kind: "ref", name: expression.expression.text, member: expression.name.text, span };
    }
    if (!ts.isCallExpression(expression)) return { kind: "unknown", span };
    const callee = unwrap(expression.expression);
    const args = expression.arguments;
    const readAll = (nodes: readonly ts.Expression[]): AutomationFact[] => nodes.map((arg) => this.read(arg, depth + 1, seen));
    const combinator = (name: string | undefined): AutomationFact | undefined => {
      if (name === "and" || name === "or") return { kind: name, children: readAll(args), span };
      if (name === "not" && args[0]) return { kind: "not", children: [this.read(args[0], depth + 1, seen)], span };
      return undefined;
    };
    if (ts.isIdentifier(callee)) return combinator(this.combinatorLocals.get(callee.text)) ?? { kind: "unknown", span };
    if (!ts.isPropertyAccessExpression(callee) || !ts.isIdentifier(callee.name)) return { kind: "unknown", span };
    const method = callee.name.text;
    if (this.isConditionClass(callee.expression)) return this.factory(method, expression, depth, seen);
    if (ts.isIdentifier(callee.expression) && this.namespaces.has(callee.expression.text) && COMBINATORS.has(method)) {
      return combinator(method) ?? { kind: "unknown", span };
    }
    const receiver = this.read(callee.expression, depth + 1, seen);
    switch (method) {
      case "and":
      case "or":
        return { kind: method, children: [receiver, ...readAll(args)], span };
      case "not":
      case "newlyTrue":
      case "sinceLastHandled":
        return { kind: method, children: [receiver], span };
      case "since":
        return args[0] ? { kind: "since", children: [receiver, this.read(args[0], depth + 1, seen)], span } : { kind: "unknown", span };
      case "withLabel": {
        const label = args[0] && unwrap(args[0]);
        return { kind: "label", ...(label && isStringLike(label) ? { label: label.text } : {}), children: [receiver], span };
      }
      case "allow":
      case "ignore": {
        const selection = args[0] && unwrap(args[0]);
        return { kind: "label", filter: `${method} ${selection && isStringLike(selection) ? selection.text : "…"}`, children: [receiver], span };
      }
      default:
        return { kind: "unknown", span };
    }
  }

  private factory(name: string, call: ts.CallExpression, depth: number, seen: Set<string>): AutomationFact {
    const span = this.span(call);
    const fact: AutomationFact & { kind: "factory" } = { kind: "factory", name, span };
    if (CRON_FACTORIES.has(name)) {
      const cron = call.arguments[0] && unwrap(call.arguments[0]);
      const cronFact = cron && this.stringOf(cron, seen);
      if (cronFact) fact.cron = cronFact;
      else fact.dynamic = true;
      const options = call.arguments[1] && unwrap(call.arguments[1]);
      if (options) {
        if (ts.isObjectLiteralExpression(options)) {
          for (const property of options.properties) {
            if (ts.isPropertyAssignment(property) && propertyNameText(property.name) === "timezone") {
              const zone = this.stringOf(unwrap(property.initializer), seen);
              if (zone) fact.timezone = zone;
              else fact.dynamic = true;
            } else if (!ts.isPropertyAssignment(property)) fact.dynamic = true;
          }
        } else fact.dynamic = true;
      }
    } else if (DEP_FACTORIES.has(name)) {
      fact.children = call.arguments[0] ? [this.read(call.arguments[0], depth + 1, seen)] : [{ kind: "unknown", span }];
    }
    return fact;
  }

  /** A string literal, or a same-file constant holding one. */
  private stringOf(node: ts.Expression, seen: Set<string>): StringFact | undefined {
    if (isStringLike(node)) return { value: node.text, span: this.stringSpan(node) };
    if (ts.isIdentifier(node) && !seen.has(node.text)) {
      const init = this.constInit(node.text);
      const value = init && unwrap(init);
      if (value && isStringLike(value)) return { value: value.text, span: this.stringSpan(value) };
    }
    return undefined;
  }
}

/** Whether a composition holds nothing but unknown parts (`a.and(b)` of two foreign values): not a condition. */
function onlyUnknown(fact: AutomationFact): boolean {
  if (fact.kind === "unknown" || fact.kind === "ref") return true;
  if (fact.kind === "factory") return false;
  return fact.children.every(onlyUnknown);
}
