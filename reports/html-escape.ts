// Escaping for text and attribute values in the HTML report (everything in it comes from data).
/** Also drops control characters (a NUL in a target's error would make the page invalid). */
export function htmlEscape(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** A fragment id made of safe characters, unique within one page (`used` remembers the taken ones). */
export function anchorId(prefix: string, key: string, used: Set<string>): string {
  const base = `${prefix}-${key.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 80)}`;
  let id = base;
  for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
  used.add(id);
  return id;
}
