// Where a JSON text first goes wrong, as an offset. V8's JSON.parse names a position for most
// mistakes but not all (Node 20: `Unexpected token '}', "…" is not valid JSON`), and a config error
// must say line and column, so this small scanner finds the place itself. It only validates: the
// value is still what JSON.parse returns.

/** The offset of the first character that makes `text` invalid JSON; undefined when it is valid (or nested too deep to scan). */
export function firstJsonError(text: string): number | undefined {
  let i = 0;
  const fail = (): never => {
    throw new JsonStop(i);
  };
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const expect = (literal: string) => {
    for (const ch of literal) {
      if (text[i] !== ch) fail();
      i++;
    }
  };
  const string = () => {
    expect('"');
    while (i < text.length && text[i] !== '"') {
      const ch = text.charCodeAt(i);
      if (ch < 0x20) fail();
      if (text[i] === '\\') {
        i++;
        if (text[i] === 'u') {
          i++;
          for (let k = 0; k < 4; k++, i++) if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
          continue;
        }
        if (!'"\\/bfnrt'.includes(text[i] ?? 'x')) fail();
      }
      i++;
    }
    expect('"');
  };
  const number = () => {
    const match = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!match || match[0] === '' || match[0] === '-') fail();
    i += match![0].length;
  };
  const value = (): void => {
    ws();
    const ch = text[i];
    if (ch === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        string();
        ws();
        expect(':');
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect('}');
      }
    }
    if (ch === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ',') i++;
        else return expect(']');
      }
    }
    if (ch === '"') return string();
    if (ch === 't') return expect('true');
    if (ch === 'f') return expect('false');
    if (ch === 'n') return expect('null');
    return number();
  };
  try {
    value();
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (error) {
    if (error instanceof JsonStop) return Math.min(error.offset, text.length);
    // Nested deeper than the call stack goes (thousands of brackets): no place to name.
    if (error instanceof RangeError) return undefined;
    throw error;
  }
}

class JsonStop {
  constructor(readonly offset: number) {}
}

/** 1-based line and column (in characters) of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - (before.lastIndexOf('\n') + 1) + 1 };
}
