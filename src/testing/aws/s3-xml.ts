import { S3Error } from './s3-errors.js';

/**
 * Just enough XML for the S3 REST API: building responses, and reading the small request documents
 * S3 accepts (CompleteMultipartUpload, Delete, CORSConfiguration, VersioningConfiguration). A
 * document that does not parse is S3's 400 MalformedXML, never a silent partial read.
 */

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

/** Escapes text for XML; control characters that XML 1.0 can carry are written as references. */
const SPECIAL = /[<>&'"\r\t\n]/;
export function xmlText(value: string): string {
  if (!SPECIAL.test(value)) return value;
  return value.replace(/[<>&'"\r\t\n]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;', '\r': '&#13;', '\t': '&#9;', '\n': '&#10;' })[c] ?? c);
}

/** `<name>escaped value</name>`, or '' when the value is undefined. */
export function tag(name: string, value: string | number | boolean | undefined): string {
  return value === undefined ? '' : `<${name}>${xmlText(String(value))}</${name}>`;
}

/** `<name>children</name>` where children are already XML. */
export const wrap = (name: string, children: string): string => `<${name}>${children}</${name}>`;

let lastMs = Number.NaN;
let lastIso = '';
/** ISO 8601 with milliseconds, as S3 writes timestamps (objects written together share one, so the last is remembered). */
export function isoTime(ms: number): string {
  if (ms !== lastMs) { lastMs = ms; lastIso = new Date(ms).toISOString(); }
  return lastIso;
}

export const xmlDocument = (root: string, children: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${S3_XMLNS}">${children}</${root}>`;

export interface XmlElement {
  name: string;
  children: XmlElement[];
  text: string;
}

const malformed = (): S3Error => new S3Error(400, 'MalformedXML', 'The XML you provided was not well-formed or did not validate against our published schema');

const ENTITY = /&(?:#x([0-9a-fA-F]+)|#(\d+)|(lt|gt|amp|apos|quot));/g;
function unescapeXml(text: string): string {
  return text.replace(ENTITY, (_, hex: string | undefined, dec: string | undefined, named: string | undefined) => {
    if (hex !== undefined) return String.fromCodePoint(Number.parseInt(hex, 16));
    if (dec !== undefined) return String.fromCodePoint(Number.parseInt(dec, 10));
    return ({ lt: '<', gt: '>', amp: '&', apos: "'", quot: '"' } as Record<string, string>)[named ?? ''] ?? '';
  });
}

/** Parses a small XML document into elements (attributes and namespaces are ignored). */
export function parseXml(source: string): XmlElement {
  const text = source.replace(/^\uFEFF/, '').replace(/<\?[\s\S]*?\?>/g, '').replace(/<!--[\s\S]*?-->/g, '');
  const root: XmlElement = { name: '#document', children: [], text: '' };
  const stack: XmlElement[] = [root];
  const token = /<!\[CDATA\[([\s\S]*?)\]\]>|<(\/?)([A-Za-z_][\w.:-]*)((?:\s+[^>]*?)?)(\/?)>|([^<]+)|</g;
  for (const match of text.matchAll(token)) {
    const top = stack[stack.length - 1]!;
    const [whole, cdata, closing, name, , selfClosing, chars] = match;
    if (cdata !== undefined) { top.text += cdata; continue; }
    if (chars !== undefined) {
      if (stack.length === 1) { if (chars.trim() !== '') throw malformed(); continue; }
      top.text += unescapeXml(chars);
      continue;
    }
    if (whole === '<' || name === undefined) throw malformed();
    const local = name.includes(':') ? name.slice(name.indexOf(':') + 1) : name;
    if (closing) {
      if (stack.length < 2 || top.name !== local) throw malformed();
      stack.pop();
      continue;
    }
    const element: XmlElement = { name: local, children: [], text: '' };
    if (stack.length === 1 && root.children.length > 0) throw malformed();
    top.children.push(element);
    if (!selfClosing) stack.push(element);
  }
  if (stack.length !== 1 || root.children.length !== 1) throw malformed();
  return root.children[0]!;
}

export const children = (element: XmlElement, name: string): XmlElement[] => element.children.filter((c) => c.name === name);
export const child = (element: XmlElement, name: string): XmlElement | undefined => element.children.find((c) => c.name === name);
export const childText = (element: XmlElement, name: string): string | undefined => child(element, name)?.text;
