// `import =` rather than `import * as`: bundled with typescript external, a namespace import goes
// through a getter per property access, which cost ~10% of a cold index of 1,000 files.
import ts = require("typescript");
import {
  API_NAMES,
  type ApiName,
  type AssetDefinitionFact,
  type DefinitionFact,
  type FileFacts,
  type ImportFact,
  type ModuleRequestFact,
  type PartitionCallFact,
  type Position,
  type RefFact,
  type ReexportFact,
  type SelectionFact,
  type Span,
  sqlPlaceholder,
  type SqlSubstitutionFact,
  type StringFact,
  type SyntaxErrorFact,
} from "./model";
import { AutomationSyntax } from "./automationSyntax";
import { PartitionSyntax } from "./partitionSyntax";
import { isStringLike, propertyNameText, unwrap } from "./syntax";

/**
 * Parses one file (syntax only: no type checker, no program, nothing executed) and extracts its
 * {@link FileFacts}. The syntax tree is not kept.
 *
 * @example
 * const facts = extractFileFacts("/ws/assets.ts", 'import { asset } from "tributary-ts"; ...');
 */
export function extractFileFacts(file: string, text: string): FileFacts {
  const sourceFile = parseSourceFile(file, text);
  return new Extractor(sourceFile).run();
}

/**
 * Parses a file the way the analysis does: JSDoc is skipped (it is never needed and costs time).
 */
export function parseSourceFile(file: string, text: string): ts.SourceFile {
  return ts.createSourceFile(file, text, {
    languageVersion: ts.ScriptTarget.Latest,
    jsDocParsingMode: ts.JSDocParsingMode.ParseNone,
  }, false, scriptKindOf(file));
}

function scriptKindOf(file: string): ts.ScriptKind {
  if (file.endsWith(".tsx")) return ts.ScriptKind.TSX;
  if (file.endsWith(".jsx")) return ts.ScriptKind.JSX;
  if (/\.[mc]?js$/.test(file)) return ts.ScriptKind.JS;
  return ts.ScriptKind.TS;
}

class Extractor {
  private readonly imports: ImportFact[] = [];
  private readonly reexports: ReexportFact[] = [];
  private readonly exports: Record<string, string> = {};
  private readonly arrays: Record<string, RefFact[]> = {};
  private readonly definitions: DefinitionFact[] = [];
  private readonly moduleRequests: ModuleRequestFact[] = [];
  private exportAssigned = false;
  /** local name -> API function it stands for, with the module it came from. */
  private readonly apiLocals = new Map<string, { api: ApiName; module: string }>();
  /** Namespace imports (`import * as tb from "tributary-ts"`) -> module. */
  private readonly namespaces = new Map<string, string>();

  /**
   * Sorted offsets where the text mentions a local name of an API function or a Tributary
   * namespace; undefined when every node must be visited. A call of the API names its callee
   * inside the call's own text, so a node whose text holds no mention cannot hold a definition.
   */
  private mentions: Int32Array | undefined;

  /** Partition and mapping factory calls (see PartitionSyntax). */
  private readonly partitionSyntax: PartitionSyntax;
  /** Top-level `const x = f(...)` calls: partition constants once every import is known. */
  private readonly constCalls: [string, ts.Expression][] = [];

  /** `automation` and `freshness` values (see AutomationSyntax). */
  private readonly automationSyntax: AutomationSyntax;

  constructor(private readonly sf: ts.SourceFile) {
    this.partitionSyntax = new PartitionSyntax(this.namespaces, (node) => this.span(node), (node) => this.stringSpan(node), (node) => this.ref(node));
    this.automationSyntax = new AutomationSyntax(sf, this.namespaces, (node) => this.span(node), (node) => this.stringSpan(node));
  }

  /** Whether the node's text (trivia included) holds a mention: only then can it contain an API call. */
  private mayHoldCall(node: ts.Node): boolean {
    const mentions = this.mentions;
    if (!mentions) return true;
    // The first mention at or after node.pos, by binary search.
    let low = 0;
    let high = mentions.length;
    const pos = node.pos;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if ((mentions[middle] as number) < pos) low = middle + 1;
      else high = middle;
    }
    return low < mentions.length && (mentions[low] as number) < node.end;
  }

  run(): FileFacts {
    for (const statement of this.sf.statements) this.collectModuleSyntax(statement);
    const partitionConsts = this.partitionConsts();
    // A file that names no API function (and has no namespace import) cannot define anything.
    if (this.apiLocals.size > 0 || this.namespaces.size > 0) {
      this.mentions = mentionsOf(this.sf.text, [...this.apiLocals.keys(), ...this.namespaces.keys()]);
      for (const statement of this.sf.statements) this.visit(statement, undefined);
    }
    const automationConsts = this.automationSyntax.conditionConsts();
    const syntaxErrors = this.syntaxErrors();
    return {
      file: this.sf.fileName,
      imports: this.imports,
      reexports: this.reexports,
      exports: this.exports,
      arrays: this.arrays,
      ...(partitionConsts ? { partitionConsts } : {}),
      ...(automationConsts ? { automationConsts } : {}),
      definitions: this.definitions,
      lineStarts: this.sf.getLineStarts() as number[],
      ...(this.moduleRequests.length > 0 ? { moduleRequests: this.moduleRequests } : {}),
      ...(this.exportAssigned ? { exportAssigned: true } : {}),
      ...(syntaxErrors.length > 0 ? { syntaxErrors } : {}),
    };
  }

  /**
   * The parser's own syntax errors. `parseDiagnostics` is not in TypeScript's public typings, but
   * it is what `program.getSyntacticDiagnostics()` returns for a file, without building a program.
   */
  private syntaxErrors(): SyntaxErrorFact[] {
    const diagnostics = (this.sf as ts.SourceFile & { parseDiagnostics?: readonly ts.Diagnostic[] }).parseDiagnostics ?? [];
    return diagnostics.map((diagnostic) => {
      const start = diagnostic.start ?? 0;
      return {
        span: { start: this.pos(start), end: this.pos(start + (diagnostic.length ?? 0)) },
        message: ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n"),
      };
    });
  }

  /** Records a module the file loads when it runs (type-only imports are erased by the compiler). */
  private addModuleRequest(specifier: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral): void {
    this.moduleRequests.push({ module: specifier.text, span: this.stringSpan(specifier) });
  }

  private pos(offset: number): Position {
    return ts.getLineAndCharacterOfPosition(this.sf, offset);
  }

  private span(node: ts.Node): Span {
    return { start: this.pos(node.getStart(this.sf)), end: this.pos(node.end) };
  }

  /** The span of a string literal's content, quotes excluded (what rename replaces). */
  private stringSpan(node: ts.StringLiteral | ts.NoSubstitutionTemplateLiteral): Span {
    const start = node.getStart(this.sf) + 1;
    return { start: this.pos(start), end: this.pos(Math.max(start, node.end - 1)) };
  }

  private stringFact(node: ts.Expression | undefined): StringFact | undefined {
    if (!node) return undefined;
    const inner = unwrap(node);
    return isStringLike(inner) ? { value: inner.text, span: this.stringSpan(inner) } : undefined;
  }

  private collectModuleSyntax(statement: ts.Statement): void {
    if (ts.isImportDeclaration(statement) && isStringLike(statement.moduleSpecifier)) {
      const module = statement.moduleSpecifier.text;
      const clause = statement.importClause;
      if (!clause?.isTypeOnly) this.addModuleRequest(statement.moduleSpecifier);
      if (!clause || clause.isTypeOnly) return;
      if (clause.name) this.addImport({ local: clause.name.text, imported: "default", module });
      const bindings = clause.namedBindings;
      if (bindings && ts.isNamespaceImport(bindings)) {
        this.addImport({ local: bindings.name.text, imported: "*", module });
      } else if (bindings) {
        for (const element of bindings.elements) {
          if (element.isTypeOnly) continue;
          const imported = element.propertyName ? element.propertyName.text : element.name.text;
          this.addImport({ local: element.name.text, imported, module });
        }
      }
      return;
    }
    if (ts.isExportDeclaration(statement)) {
      if (statement.isTypeOnly) return;
      const module = statement.moduleSpecifier && isStringLike(statement.moduleSpecifier)
        ? statement.moduleSpecifier.text : undefined;
      const clause = statement.exportClause;
      if (module !== undefined) this.addModuleRequest(statement.moduleSpecifier as ts.StringLiteral);
      if (module !== undefined) {
        if (!clause) this.reexports.push({ module });
        else if (ts.isNamespaceExport(clause)) this.reexports.push({ module, namespace: clause.name.text });
        else {
          const names: Record<string, string> = {};
          for (const element of clause.elements) {
            names[element.name.text] = element.propertyName ? element.propertyName.text : element.name.text;
          }
          this.reexports.push({ module, names });
        }
      } else if (clause && ts.isNamedExports(clause)) {
        for (const element of clause.elements) {
          this.exports[element.name.text] = element.propertyName ? element.propertyName.text : element.name.text;
        }
      }
      return;
    }
    if (ts.isImportEqualsDeclaration(statement) && !statement.isTypeOnly && ts.isExternalModuleReference(statement.moduleReference)
      && isStringLike(statement.moduleReference.expression)) {
      this.addModuleRequest(statement.moduleReference.expression);
      return;
    }
    if (ts.isExportAssignment(statement) && statement.isExportEquals) {
      this.exportAssigned = true;
      return;
    }
    if (ts.isExportAssignment(statement) && !statement.isExportEquals) {
      const expression = unwrap(statement.expression);
      this.exports.default = ts.isIdentifier(expression) ? expression.text : "default";
      return;
    }
    const exported = ts.canHaveModifiers(statement)
      && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
    const isDefault = exported
      && (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.DefaultKeyword);
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (!ts.isIdentifier(declaration.name)) continue;
        const name = declaration.name.text;
        if (exported) this.exports[name] = name;
        const init = declaration.initializer && unwrap(declaration.initializer);
        if (init && ts.isArrayLiteralExpression(init)) this.arrays[name] = init.elements.map((e) => this.ref(e));
        else if (init && init.kind === ts.SyntaxKind.CallExpression) this.constCalls.push([name, init]);
      }
    } else if ((ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement)) && statement.name && exported) {
      this.exports[isDefault ? "default" : statement.name.text] = statement.name.text;
    }
  }

  private addImport(fact: ImportFact): void {
    this.imports.push(fact);
    if (fact.imported === "*") this.namespaces.set(fact.local, fact.module);
    else if (API_NAMES.has(fact.imported)) this.apiLocals.set(fact.local, { api: fact.imported as ApiName, module: fact.module });
    else if (!this.automationSyntax.addImport(fact.local, fact.imported)) this.partitionSyntax.addImport(fact.local, fact.imported, fact.module);
  }

  /** Top-level constants bound to a partition or mapping factory call, if any. */
  private partitionConsts(): Record<string, PartitionCallFact> | undefined {
    if (!this.partitionSyntax.active) return undefined;
    let consts: Record<string, PartitionCallFact> | undefined;
    for (const [name, init] of this.constCalls) {
      const call = this.partitionSyntax.call(init);
      if (call) (consts ??= {})[name] = call;
    }
    return consts;
  }

  /**
   * Walks every node looking for API calls; `variable` is the name the current expression is bound
   * to. Node kinds are compared directly (not through `ts.isX` guards) and the child callback is
   * shared: this walk visits every node of every file, and was half as costly as parsing.
   */
  private visit(node: ts.Node, variable: string | undefined): void {
    if (!this.mayHoldCall(node)) return;
    const kind = node.kind;
    if (kind === ts.SyntaxKind.VariableDeclaration) {
      const declaration = node as ts.VariableDeclaration;
      if (declaration.initializer && declaration.name.kind === ts.SyntaxKind.Identifier) {
        this.visit(declaration.initializer, declaration.name.text);
        return;
      }
    } else if (kind === ts.SyntaxKind.ExportAssignment) {
      this.visit((node as ts.ExportAssignment).expression, "default");
      return;
    } else if (kind === ts.SyntaxKind.CallExpression) {
      const api = this.apiOf((node as ts.CallExpression).expression);
      if (api) this.definitions.push(this.definition(api.api, api.module, node as ts.CallExpression, variable));
    }
    // Only a direct initializer gives a call its variable name; deeper nodes are anonymous.
    const passOn = kind === ts.SyntaxKind.ParenthesizedExpression || kind === ts.SyntaxKind.AsExpression || kind === ts.SyntaxKind.SatisfiesExpression
      ? variable : undefined;
    if (passOn === undefined) ts.forEachChild(node, this.visitAnonymous);
    else ts.forEachChild(node, (child) => this.visit(child, passOn));
  }

  private readonly visitAnonymous = (child: ts.Node): void => this.visit(child, undefined);

  private apiOf(callee: ts.Expression): { api: ApiName; module: string } | undefined {
    const expression = unwrap(callee);
    if (ts.isIdentifier(expression)) return this.apiLocals.get(expression.text);
    if (ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression)
      && ts.isIdentifier(expression.name) && API_NAMES.has(expression.name.text)) {
      const module = this.namespaces.get(expression.expression.text);
      if (module !== undefined) return { api: expression.name.text as ApiName, module };
    }
    return undefined;
  }

  private definition(api: ApiName, apiModule: string, call: ts.CallExpression, variable: string | undefined): DefinitionFact {
    const calleeNode = unwrap(call.expression);
    const nameNode = ts.isPropertyAccessExpression(calleeNode) ? calleeNode.name : calleeNode;
    const base = {
      apiModule,
      ...(variable !== undefined ? { variable } : {}),
      span: this.span(call),
      nameSpan: this.span(nameNode),
    };
    const first = call.arguments[0] && unwrap(call.arguments[0]);
    const props = first && ts.isObjectLiteralExpression(first) ? this.props(first) : new Map<string, ts.Expression>();
    const specSpan = first ? this.span(first) : base.nameSpan;
    switch (api) {
      case "asset":
      case "sqlAsset":
      case "multiAsset":
        return this.assetDefinition(api, base, props, specSpan);
      case "assetCheck": {
        const target = props.get("asset");
        const blocking = props.get("blocking");
        return {
          api, ...base,
          ...optional("name", this.stringFact(props.get("name"))),
          ...(target ? { target: this.ref(target) } : {}),
          blocking: blocking !== undefined && unwrap(blocking).kind === ts.SyntaxKind.TrueKeyword,
        };
      }
      case "defineAssetJob":
        return {
          api, ...base,
          ...optional("name", this.stringFact(props.get("name"))),
          ...optional("selection", this.selection(props.get("selection"))),
        };
      case "schedule":
      case "sensor": {
        const cron = props.get("cron");
        const cronFact = this.stringFact(cron);
        const job = props.get("job");
        return {
          api, ...base,
          ...optional("name", this.stringFact(props.get("name"))),
          ...optional("cron", cronFact),
          ...(cron && !cronFact ? { cronDynamic: this.span(cron) } : {}),
          ...optional("timezone", this.stringFact(props.get("timezone"))),
          ...(job ? { job: this.ref(job) } : {}),
          ...optional("selection", this.selection(props.get("selection"))),
        };
      }
      case "definitions":
        return this.definitionsFact(base, props);
    }
  }

  private assetDefinition(api: "asset" | "sqlAsset" | "multiAsset", base: Omit<AssetDefinitionFact, "api" | "outs" | "tags" | "owners" | "kinds" | "deps" | "resources" | "inlineChecks">,
    props: Map<string, ts.Expression>, specSpan: Span): AssetDefinitionFact {
    const fact: AssetDefinitionFact = {
      api, ...base, outs: [], tags: {}, owners: [], kinds: [], deps: [], resources: [], inlineChecks: [],
    };
    const group = this.stringFact(props.get("group"));
    if (group) fact.group = group;
    const description = this.stringFact(props.get("description"));
    if (description) fact.description = description.value;
    const tags = props.get("tags");
    if (tags && ts.isObjectLiteralExpression(unwrap(tags))) {
      for (const [name, value] of this.props(unwrap(tags) as ts.ObjectLiteralExpression)) {
        fact.tags[name] = this.stringFact(value)?.value ?? "";
      }
    }
    fact.owners = this.stringArray(props.get("owners")).map((s) => s.value);
    fact.kinds = this.stringArray(props.get("kinds")).map((s) => s.value);
    fact.resources = this.stringArray(props.get("resources"));
    const deps = props.get("deps");
    if (deps) {
      const list = unwrap(deps);
      fact.deps = ts.isArrayLiteralExpression(list) ? list.elements.map((e) => this.ref(e)) : [this.ref(list)];
    }
    const checks = props.get("checks");
    if (checks && ts.isArrayLiteralExpression(unwrap(checks))) {
      for (const element of (unwrap(checks) as ts.ArrayLiteralExpression).elements) {
        fact.inlineChecks.push(this.describeInlineCheck(element));
      }
    }
    const partitions = props.get("partitions");
    if (partitions) fact.partitions = this.partitionSyntax.value(partitions);
    const mappings = props.get("partitionMappings");
    const mappingEntries = mappings && this.partitionSyntax.mappings(mappings);
    if (mappingEntries) fact.partitionMappings = mappingEntries;
    const automation = props.get("automation");
    if (automation) fact.automation = this.automationSyntax.condition(automation);
    const freshness = props.get("freshness");
    if (freshness) fact.freshness = this.automationSyntax.freshness(freshness);
    if (api === "sqlAsset") this.sqlQuery(fact, props.get("query"));
    if (api !== "multiAsset") {
      const keyNode = props.get("key");
      const key = this.stringFact(keyNode);
      if (key) fact.outs.push({ key, ...optional("description", fact.description) });
      else {
        fact.outs.push(optional("description", fact.description));
        fact.keyProblem = keyNode ? { span: this.span(keyNode), reason: "not-static" } : { span: specSpan, reason: "missing" };
      }
    } else {
      const name = this.stringFact(props.get("name"));
      if (name) fact.name = name;
      const outs = props.get("outs");
      const outsObject = outs && unwrap(outs);
      if (outsObject && ts.isObjectLiteralExpression(outsObject)) {
        for (const property of outsObject.properties) {
          if (!property.name) continue;
          const keyText = propertyNameText(property.name);
          if (keyText === undefined) continue;
          const nameNode = property.name;
          const span = isStringLike(nameNode) ? this.stringSpan(nameNode) : this.span(nameNode);
          let outDescription: string | undefined;
          let outProps: Map<string, ts.Expression> | undefined;
          if (ts.isPropertyAssignment(property) && ts.isObjectLiteralExpression(unwrap(property.initializer))) {
            outProps = this.props(unwrap(property.initializer) as ts.ObjectLiteralExpression);
            outDescription = this.stringFact(outProps.get("description"))?.value;
          }
          const outAutomation = outProps?.get("automation");
          const outFreshness = outProps?.get("freshness");
          fact.outs.push({
            key: { value: keyText, span }, ...optional("description", outDescription),
            ...(outAutomation ? { automation: this.automationSyntax.condition(outAutomation) } : {}),
            ...(outFreshness ? { freshness: this.automationSyntax.freshness(outFreshness) } : {}),
          });
        }
      } else {
        fact.keyProblem = { span: outs ? this.span(outs) : specSpan, reason: outs ? "not-static" : "missing" };
      }
    }
    return fact;
  }

  /**
   * Reads sqlAsset's `query`: a sql`...` template (any tag whose name ends in `sql`, e.g. `sql` or
   * `tb.sql`, imported from anywhere: the tag is not resolved, the query option says what it is).
   */
  private sqlQuery(fact: AssetDefinitionFact, query: ts.Expression | undefined): void {
    if (!query) return;
    const node = unwrap(query);
    const template = ts.isTaggedTemplateExpression(node) ? node.template : undefined;
    if (!template) {
      fact.sqlDynamic = this.span(node);
      return;
    }
    const text = this.sf.text;
    const offset = template.getStart(this.sf) + 1;
    const end = template.end - 1;
    if (ts.isNoSubstitutionTemplateLiteral(template)) {
      fact.sql = { text: text.slice(offset, end), offset, substitutions: [] };
      return;
    }
    let sqlText = "";
    let at = offset;
    const substitutions: SqlSubstitutionFact[] = [];
    for (const [index, span] of template.templateSpans.entries()) {
      // `${` starts where the previous literal part ends (its text ends at the `${`).
      const start = text.lastIndexOf("${", span.expression.getStart(this.sf));
      const close = span.literal.getStart(this.sf) + 1; // the literal part starts at its `}`
      const placeholder = sqlPlaceholder(index, close - start);
      if (start < at || placeholder === undefined) {
        fact.sqlDynamic = this.span(node);
        return;
      }
      sqlText += text.slice(at, start) + placeholder;
      substitutions.push({ ref: this.ref(span.expression), placeholder, start: start - offset });
      at = close;
    }
    sqlText += text.slice(at, end);
    fact.sql = { text: sqlText, offset, substitutions };
  }

  private describeInlineCheck(element: ts.Expression): string {
    const node = unwrap(element);
    if (ts.isCallExpression(node)) {
      const callee = unwrap(node.expression);
      const name = ts.isIdentifier(callee) ? callee.text : ts.isPropertyAccessExpression(callee) ? callee.name.text : "check";
      const args = node.arguments.map((a) => this.stringFact(a)?.value ?? "…");
      return `${name}(${args.join(", ")})`;
    }
    return ts.isIdentifier(node) ? node.text : "check";
  }

  private definitionsFact(base: { apiModule: string; span: Span; nameSpan: Span; variable?: string }, props: Map<string, ts.Expression>): DefinitionFact {
    const fact: DefinitionFact = { api: "definitions", ...base };
    const list = (name: string): RefFact[] | undefined => {
      const value = props.get(name);
      if (!value) return undefined;
      const node = unwrap(value);
      if (ts.isArrayLiteralExpression(node)) {
        if (name === "assets") fact.assetsArrayEnd = this.pos(node.elements.hasTrailingComma ? node.elements.end - 1 : node.elements.end);
        return node.elements.map((e) => this.ref(e));
      }
      return [this.ref(node)];
    };
    const assets = list("assets");
    if (assets) fact.assets = assets;
    const checks = list("checks");
    if (checks) fact.checks = checks;
    const jobs = list("jobs");
    if (jobs) fact.jobs = jobs;
    const schedules = list("schedules");
    if (schedules) fact.schedules = schedules;
    const sensors = list("sensors");
    if (sensors) fact.sensors = sensors;
    const resources = props.get("resources");
    if (resources === undefined) fact.resources = [];
    else if (ts.isObjectLiteralExpression(unwrap(resources))) {
      const object = unwrap(resources) as ts.ObjectLiteralExpression;
      if (!object.properties.some((p) => ts.isSpreadAssignment(p))) {
        fact.resources = [];
        for (const property of object.properties) {
          const name = property.name && propertyNameText(property.name);
          if (name !== undefined && property.name) fact.resources.push({ value: name, span: this.span(property.name) });
        }
      }
    }
    return fact;
  }

  private selection(node: ts.Expression | undefined): SelectionFact | undefined {
    if (!node) return undefined;
    const expression = unwrap(node);
    if (isStringLike(expression)) {
      const start = expression.getStart(this.sf) + 1;
      return { kind: "string", text: expression.text, span: this.stringSpan(expression), textOffset: start };
    }
    // AssetSelection.assets(a, "b") / AssetSelection.keys("a", "b"): explicit lists of assets.
    if (ts.isCallExpression(expression)) {
      const callee = unwrap(expression.expression);
      if (ts.isPropertyAccessExpression(callee) && ["assets", "keys"].includes(callee.name.text)) {
        return { kind: "assets", refs: expression.arguments.map((a) => this.ref(a)), span: this.span(expression) };
      }
    }
    return { kind: "dynamic", span: this.span(expression) };
  }

  private stringArray(node: ts.Expression | undefined): StringFact[] {
    if (!node) return [];
    const list = unwrap(node);
    if (!ts.isArrayLiteralExpression(list)) return [];
    const result: StringFact[] = [];
    for (const element of list.elements) {
      const fact = this.stringFact(element);
      if (fact) result.push(fact);
    }
    return result;
  }

  private ref(node: ts.Expression): RefFact {
    if (ts.isSpreadElement(node)) {
      const inner = unwrap(node.expression);
      if (ts.isIdentifier(inner)) return { kind: "spread", name: inner.text, span: this.span(inner) };
      if (ts.isPropertyAccessExpression(inner) && ts.isIdentifier(inner.expression)) {
        return { kind: "spread", name: inner.expression.text, member: inner.name.text, span: this.span(inner) };
      }
      return { kind: "dynamic", span: this.span(node) };
    }
    const expression = unwrap(node);
    if (isStringLike(expression)) return { kind: "key", value: expression.text, span: this.stringSpan(expression) };
    if (ts.isIdentifier(expression)) return { kind: "ref", name: expression.text, span: this.span(expression) };
    if (ts.isPropertyAccessExpression(expression) && ts.isIdentifier(expression.expression) && ts.isIdentifier(expression.name)) {
      return { kind: "ref", name: expression.expression.text, member: expression.name.text, span: this.span(expression) };
    }
    return { kind: "dynamic", span: this.span(expression) };
  }

  private props(object: ts.ObjectLiteralExpression): Map<string, ts.Expression> {
    const result = new Map<string, ts.Expression>();
    for (const property of object.properties) {
      if (ts.isPropertyAssignment(property)) {
        const name = propertyNameText(property.name);
        if (name !== undefined) result.set(name, property.initializer);
      } else if (ts.isShorthandPropertyAssignment(property)) {
        result.set(property.name.text, property.name);
      }
    }
    return result;
  }
}

/** Past this many mentions, pruning by mentions is not worth its cost. */
const MAX_MENTIONS = 4096;

/**
 * Every offset where one of `names` occurs in `text`, sorted; undefined when the text has a unicode
 * escape (`\u0061sset` is an identifier `asset` that the text does not spell out), too many
 * names or too many mentions, so that the caller visits everything.
 */
function mentionsOf(text: string, names: readonly string[]): Int32Array | undefined {
  // Many names (a definitions file importing every module as a namespace) would cost a scan each.
  if (names.length > 8 || text.includes("\\u")) return undefined;
  const offsets: number[] = [];
  for (const name of names) {
    for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
      // A name mentioned everywhere (a one-letter alias, a huge generated file) prunes nothing.
      if (offsets.push(at) > MAX_MENTIONS) return undefined;
    }
  }
  return Int32Array.from(offsets).sort();
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
