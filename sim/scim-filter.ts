/**
 * SCIM filter expressions (RFC 7644 §3.4.2.2), enough of them for what Genesys accepts on
 * `GET /scim/v2/users?filter=` (`userName eq "x"`, `active eq false`, `... and ...`), for value
 * filters in PATCH paths (`emails[type eq "work"]`), and for Okta's look-alike list filters
 * (`status eq "DEPROVISIONED"`). Attribute names are matched case-insensitively, as SCIM requires.
 */

export type CompareOperator = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type FilterValue = string | number | boolean | null;

export type ScimFilter =
  | { kind: "compare"; attribute: string; operator: CompareOperator; value: FilterValue }
  | { kind: "present"; attribute: string }
  | { kind: "and" | "or"; left: ScimFilter; right: ScimFilter }
  | { kind: "not"; filter: ScimFilter };

export class FilterSyntaxError extends Error {
  override name = "FilterSyntaxError";
}

const operators = new Set<string>(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);

export function parseScimFilter(text: string): ScimFilter {
  const tokens = tokenize(text);
  let position = 0;
  const peekWord = () => {
    const token = tokens[position];
    return token?.type === "word" ? token.text.toLowerCase() : undefined;
  };

  const parseOr = (): ScimFilter => {
    let left = parseAnd();
    while (peekWord() === "or") {
      position += 1;
      left = { kind: "or", left, right: parseAnd() };
    }
    return left;
  };
  const parseAnd = (): ScimFilter => {
    let left = parseTerm();
    while (peekWord() === "and") {
      position += 1;
      left = { kind: "and", left, right: parseTerm() };
    }
    return left;
  };
  const parseTerm = (): ScimFilter => {
    const token = tokens[position++];
    if (token === undefined) throw new FilterSyntaxError(`filter ends too early: ${text}`);
    if (token.type === "open" || (token.type === "word" && token.text.toLowerCase() === "not")) {
      if (token.type === "word" && tokens[position++]?.type !== "open")
        throw new FilterSyntaxError("expected ( after not");
      const inner = parseOr();
      if (tokens[position++]?.type !== "close") throw new FilterSyntaxError(`missing ) in filter: ${text}`);
      return token.type === "open" ? inner : { kind: "not", filter: inner };
    }
    if (token.type !== "word") throw new FilterSyntaxError(`expected an attribute in filter: ${text}`);
    const operator = peekWord();
    position += 1;
    if (operator === "pr") return { kind: "present", attribute: token.text };
    if (operator === undefined || !operators.has(operator)) {
      throw new FilterSyntaxError(`expected an operator after ${token.text} in filter: ${text}`);
    }
    return {
      kind: "compare",
      attribute: token.text,
      operator: operator as CompareOperator,
      value: parseValue(),
    };
  };
  const parseValue = (): FilterValue => {
    const token = tokens[position++];
    if (token?.type === "string") return token.value;
    if (token?.type === "word") {
      const word = token.text.toLowerCase();
      if (word === "true" || word === "false") return word === "true";
      if (word === "null") return null;
      if (/^-?\d+(\.\d+)?$/.test(word)) return Number(word);
    }
    throw new FilterSyntaxError(`expected a value in filter: ${text}`);
  };

  const filter = parseOr();
  if (position !== tokens.length) throw new FilterSyntaxError(`unexpected text in filter: ${text}`);
  return filter;
}

/**
 * Whether a resource matches. `values` returns the resource's values for an attribute (any of them
 * may match, as for multi-valued attributes); `caseExact` names attributes compared exactly.
 */
export function matchesFilter(
  filter: ScimFilter,
  values: (attribute: string) => readonly unknown[],
  caseExact: (attribute: string) => boolean = () => false,
): boolean {
  switch (filter.kind) {
    case "and":
      return matchesFilter(filter.left, values, caseExact) && matchesFilter(filter.right, values, caseExact);
    case "or":
      return matchesFilter(filter.left, values, caseExact) || matchesFilter(filter.right, values, caseExact);
    case "not":
      return !matchesFilter(filter.filter, values, caseExact);
    case "present":
      return values(filter.attribute).some((value) => value !== undefined && value !== null && value !== "");
    case "compare": {
      const exact = caseExact(filter.attribute);
      const found = values(filter.attribute);
      if (filter.operator === "ne") return !found.some((value) => compare("eq", value, filter.value, exact));
      return found.some((value) => compare(filter.operator, value, filter.value, exact));
    }
  }
}

/** The terms joined by top-level `and`s: a store looks for one it can answer from an index. */
export function conjunctionTerms(filter: ScimFilter): ScimFilter[] {
  return filter.kind === "and"
    ? [...conjunctionTerms(filter.left), ...conjunctionTerms(filter.right)]
    : [filter];
}

export function filterAttributes(filter: ScimFilter): string[] {
  switch (filter.kind) {
    case "and":
    case "or":
      return [...filterAttributes(filter.left), ...filterAttributes(filter.right)];
    case "not":
      return filterAttributes(filter.filter);
    default:
      return [filter.attribute];
  }
}

function compare(operator: CompareOperator, actual: unknown, expected: FilterValue, exact: boolean): boolean {
  if (actual === undefined) return false;
  if (typeof actual === "string" && typeof expected === "string") {
    const a = exact ? actual : actual.toLowerCase();
    const b = exact ? expected : expected.toLowerCase();
    switch (operator) {
      case "eq":
      case "ne":
        return a === b;
      case "co":
        return a.includes(b);
      case "sw":
        return a.startsWith(b);
      case "ew":
        return a.endsWith(b);
      case "gt":
        return a > b;
      case "ge":
        return a >= b;
      case "lt":
        return a < b;
      case "le":
        return a <= b;
    }
  }
  if (operator === "eq" || operator === "ne") return actual === expected;
  if (typeof actual === "number" && typeof expected === "number") {
    if (operator === "gt") return actual > expected;
    if (operator === "ge") return actual >= expected;
    if (operator === "lt") return actual < expected;
    if (operator === "le") return actual <= expected;
  }
  return false;
}

type Token =
  { type: "word"; text: string } | { type: "string"; value: string } | { type: "open" } | { type: "close" };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const char = text[i];
    if (char === " " || char === "\t") {
      i += 1;
    } else if (char === "(" || char === ")") {
      tokens.push({ type: char === "(" ? "open" : "close" });
      i += 1;
    } else if (char === '"') {
      // SCIM strings are JSON strings, escapes included.
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      if (end >= text.length) throw new FilterSyntaxError(`unterminated string in filter: ${text}`);
      tokens.push({ type: "string", value: parseJsonString(text.slice(i, end + 1)) });
      i = end + 1;
    } else {
      let end = i;
      while (end < text.length && !' \t()"'.includes(text[end] ?? " ")) end += 1;
      tokens.push({ type: "word", text: text.slice(i, end) });
      i = end;
    }
  }
  return tokens;
}

function parseJsonString(quoted: string): string {
  try {
    return JSON.parse(quoted) as string;
  } catch {
    throw new FilterSyntaxError(`bad string ${quoted} in filter`);
  }
}
