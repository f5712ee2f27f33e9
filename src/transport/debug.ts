import { debuglog } from 'node:util'

/** `NODE_DEBUG=rtmp` turns this on. */
export const debug = debuglog('rtmp')
