// Writes every ```ts block of README.md and docs/*.md to test/doc-snippets/ so `npm run typecheck` checks them:
// the docs show code that compiles against the package as published ('rtmp-kit').
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const out = 'test/doc-snippets'
rmSync(out, { recursive: true, force: true })
mkdirSync(out)
const files = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => join('docs', f))]
let count = 0
for (const file of files) {
  const text = readFileSync(file, 'utf8')
  const blocks = [...text.matchAll(/^```ts\n([\s\S]*?)^```/gm)]
  blocks.forEach((m, i) => {
    const name = `${file.replace(/[/.]/g, '_')}_${i + 1}.ts`
    // each block is its own module; `// @doc-skip` on a block's first line leaves it out (a fragment)
    if (m[1].startsWith('// @doc-skip')) return
    writeFileSync(join(out, name), `// from ${file}, block ${i + 1}\n${m[1]}\nexport {}\n`)
    count++
  })
}
console.log(`extracted ${count} doc snippets to ${out}/`)
