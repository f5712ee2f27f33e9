// npm run example -- NAME [args]   (each example prints its usage with --help)
const examples: Record<string, () => Promise<{ main(argv: string[]): Promise<void> }>> = {
  'live-server': () => import('./live-server'),
  'auth-server': () => import('./auth-server'),
  record: () => import('./record'),
  restream: () => import('./restream'),
  edge: () => import('./edge'),
  'http-flv': () => import('./http-flv'),
  play: () => import('./play'),
  publish: () => import('./publish'),
  cluster: () => import('./cluster'),
}

const [name, ...args] = process.argv.slice(2)
const load = name ? examples[name] : undefined
if (!load) {
  console.log(`usage: npm run example -- NAME [args]\n  NAME: ${Object.keys(examples).join(', ')}  (each takes --help)`)
  process.exitCode = name ? 2 : 0
} else {
  load()
    .then((m) => m.main(args))
    .then(
      () => process.exit(process.exitCode ?? 0),
      (err: unknown) => {
        const e = err as { code?: string; message?: string }
        console.error(`${name}: ${e.code ? `${e.code}: ` : ''}${e.message ?? String(err)}`)
        process.exit(1)
      },
    )
}
