/**
 * The Taro node id (`uid`, else `sid`) of the element whose text child is `text`, searched in a
 * compiled Taro page's data (`page.data.root`): for pages that set no ids, like the README's.
 */
export function elementWithText(node: any, text: string): string | undefined {
  if (!node || !Array.isArray(node.cn)) return undefined
  if (node.cn.some((c: any) => c.v === text)) return node.uid || node.sid
  for (const c of node.cn) {
    const found = elementWithText(c, text)
    if (found) return found
  }
  return undefined
}
