/** One SQL token. `upper` is the upper-cased text of a bare word, for keyword checks. */
export interface Token {
  readonly kind: 'word' | 'quoted' | 'string' | 'number' | 'punct';
  readonly text: string;
  readonly upper: string;
}

/**
 * Splits MySQL DDL into tokens: bare words, `quoted` identifiers, 'strings' (with \ escapes and
 * doubled quotes), numbers and punctuation. Comments are dropped, except MySQL's executable
 * comments (`/*!40101 ... *\/`), whose text is SQL the server ran.
 */
export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /\s/.test(sql[i + 2]!)))) {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      if (sql[i + 2] === '!' || (sql[i + 2] === 'M' && sql[i + 3] === '!')) {
        // An executable comment: keep its content, drop the marker and version number.
        i += sql[i + 2] === '!' ? 3 : 4;
        while (i < n && sql[i]! >= '0' && sql[i]! <= '9') i++;
      } else {
        const end = sql.indexOf('*/', i + 2);
        i = end < 0 ? n : end + 2;
      }
    } else if (c === '*' && sql[i + 1] === '/') {
      i += 2; // The end of an executable comment.
    } else if (c === '`') {
      let text = '';
      i++;
      while (i < n) {
        if (sql[i] === '`') {
          if (sql[i + 1] === '`') {
            text += '`';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        text += sql[i]!;
        i++;
      }
      tokens.push({ kind: 'quoted', text, upper: text.toUpperCase() });
    } else if (c === "'" || c === '"') {
      let text = '';
      i++;
      while (i < n) {
        const d = sql[i]!;
        if (d === '\\' && i + 1 < n) {
          const e = sql[i + 1]!;
          text += e === 'n' ? '\n' : e === 't' ? '\t' : e === 'r' ? '\r' : e === '0' ? '\0' : e === 'Z' ? '\x1a' : e === 'b' ? '\b' : e;
          i += 2;
        } else if (d === c) {
          if (sql[i + 1] === c) {
            text += c;
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          text += d;
          i++;
        }
      }
      tokens.push({ kind: 'string', text, upper: text });
    } else if ((c >= '0' && c <= '9') || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''))) {
      const m = /^(0x[0-9a-fA-F]+|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)/.exec(sql.slice(i, i + 100))!;
      // A word may start with digits (`1abc` is an identifier in MySQL).
      const word = /^[0-9]+[A-Za-z_$][A-Za-z0-9_$]*/.exec(sql.slice(i, i + 200));
      if (word !== null && !m[0].startsWith('0x') && !/[eE]/.test(m[0])) {
        tokens.push({ kind: 'word', text: word[0], upper: word[0].toUpperCase() });
        i += word[0].length;
      } else {
        tokens.push({ kind: 'number', text: m[0], upper: m[0] });
        i += m[0].length;
      }
    } else if (/[A-Za-z_$@\u0080-\uffff]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_$@\u0080-\uffff]/.test(sql[j]!)) j++;
      const text = sql.slice(i, j);
      // x'..' and b'..' literals, and charset introducers (_utf8mb4'..'), read as one string.
      if (sql[j] === "'" && (/^[xXbB]$/.test(text) || text.startsWith('_'))) {
        i = j;
        continue;
      }
      tokens.push({ kind: 'word', text, upper: text.toUpperCase() });
      i = j;
    } else {
      tokens.push({ kind: 'punct', text: c, upper: c });
      i++;
    }
  }
  return tokens;
}
