import { describe, expect, it } from '@jest/globals';
import { escapeHtml, html } from './html.template.js';

// Under another name: Prettier reformats templates tagged `html`, and these must stay byte for byte.
const h = html;

describe('escapeHtml', () => {
  it.each([
    ['plain text', 'plain text'],
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['" onmouseover="x', '&quot; onmouseover=&quot;x'],
    ["it's", 'it&#39;s'],
    ['a & b &amp;', 'a &amp; b &amp;amp;'],
    ['exports//17 é ✓', 'exports//17 é ✓'],
  ])('%s → %s', (text, escaped) => {
    expect(escapeHtml(text)).toBe(escaped);
  });
});

describe('html``', () => {
  it.each([
    [
      'a string value is escaped',
      h`<p>${'<img src=x onerror=alert(1)>'}</p>`,
      '<p>&lt;img src=x onerror=alert(1)&gt;</p>',
    ],
    ['in an attribute too', h`<td title="${'"><b>'}">`, '<td title="&quot;&gt;&lt;b&gt;">'],
    ['a nested fragment is kept', h`<ul>${h`<li>${'<i>'}</li>`}</ul>`, '<ul><li>&lt;i&gt;</li></ul>'],
    ['an array renders each item', h`${['<a>', h`<b>`, 3]}`, '&lt;a&gt;<b>3'],
    ['null, undefined and false render nothing', h`[${null}${undefined}${false}]`, '[]'],
    ['numbers and true are text', h`${0} ${true}`, '0 true'],
  ])('%s', (_name, fragment, expected) => {
    expect(fragment.toString()).toBe(expected);
  });
});
