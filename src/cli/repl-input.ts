/**
 * When the REPL should wait for more lines, as Python's own REPL does: inside a block that a line
 * ending in ':' opened (until an empty line), after a line continued with '\', or while brackets
 * or a triple-quoted string are open.
 *
 * @module
 */

export function isIncomplete(lines: readonly string[]): boolean {
  const last = lines.at(-1) ?? ''
  const opensBlock = lines.some((line) => /:\s*(#.*)?$/.test(line) && !isInsideString(line))
  if (opensBlock) return last.trim() !== ''
  if (/\\$/.test(last)) return true
  return hasOpenBracketsOrString(lines.join('\n'))
}

function isInsideString(line: string): boolean {
  return hasOpenBracketsOrString(line)
}

/** A small scanner: counts brackets outside strings and comments; notes an unclosed string. */
function hasOpenBracketsOrString(source: string): boolean {
  let depth = 0
  let i = 0
  while (i < source.length) {
    const char = source[i] as string
    if (char === '#') {
      while (i < source.length && source[i] !== '\n') i++
      continue
    }
    if (char === '"' || char === "'") {
      const triple = source.startsWith(char.repeat(3), i)
      const quote = triple ? char.repeat(3) : char
      i += quote.length
      while (i < source.length && !source.startsWith(quote, i)) {
        if (source[i] === '\\') i++
        else if (!triple && source[i] === '\n') break
        i++
      }
      if (i >= source.length) return triple
      i += quote.length
      continue
    }
    if ('([{'.includes(char)) depth++
    else if (')]}'.includes(char)) depth--
    i++
  }
  return depth > 0
}
