// `import =` rather than `import * as`: see extract.ts (a namespace import costs a getter per access).
import ts = require("typescript");

/** Unwraps `(x)`, `x as T`, `x satisfies T`, `x!`, `<T>x`. */
export function unwrap(node: ts.Expression): ts.Expression {
  let current = node;
  for (;;) {
    if (ts.isParenthesizedExpression(current) || ts.isAsExpression(current) || ts.isSatisfiesExpression(current)
      || ts.isNonNullExpression(current) || ts.isTypeAssertionExpression(current)) {
      current = current.expression;
    } else {
      return current;
    }
  }
}

/** A string literal or a template without substitutions. */
export function isStringLike(node: ts.Node): node is ts.StringLiteral | ts.NoSubstitutionTemplateLiteral {
  return ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node);
}

/** The static name of a property (`a`, `"a"`, `1`, `["a"]`), or undefined when computed. */
export function propertyNameText(name: ts.PropertyName): string | undefined {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name) || ts.isPrivateIdentifier(name)) {
    return name.text;
  }
  if (ts.isComputedPropertyName(name) && isStringLike(name.expression)) return name.expression.text;
  return undefined;
}
