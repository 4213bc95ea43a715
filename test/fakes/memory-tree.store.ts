import { createHash } from 'node:crypto';
import type { TreeEntry, TreeStore } from '../../src/git/tree.editor.js';

/** Content-addressed git objects in memory (equal content → equal id, as in git). */
export class MemoryTreeStore implements TreeStore {
  readonly objects = new Map<string, Buffer | TreeEntry[]>();

  private put(value: Buffer | TreeEntry[], bytes: string | Buffer): string {
    const oid = createHash('sha1').update(bytes).digest('hex');
    this.objects.set(oid, value);
    return oid;
  }

  async readTree(oid: string) {
    return [...(this.objects.get(oid) as TreeEntry[])];
  }

  async writeTree(entries: TreeEntry[]) {
    const sorted = [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    return this.put(sorted, `tree ${JSON.stringify(sorted)}`);
  }

  async writeBlob(content: Buffer) {
    return this.put(Buffer.from(content), Buffer.concat([Buffer.from('blob\0'), content]));
  }
}
