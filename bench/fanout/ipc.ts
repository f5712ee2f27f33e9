// Messages between the bench (parent) and its child processes: the publisher and the load workers.

export interface PlayTarget {
  readonly host: string
  readonly port: number
  readonly app: string
  readonly stream: string
}

/** parent → publisher (argv carries url, file, mode) */
export type ToPublisher = { readonly type: 'mark'; readonly id: string } | { readonly type: 'stop' }

/** publisher → parent */
export type FromPublisher =
  | { readonly type: 'publishing' }
  /** audio + video payload bytes handed to the socket so far, at the moment the mark arrived */
  | { readonly type: 'marked'; readonly id: string; readonly mediaBytes: number }
  | { readonly type: 'failed'; readonly error: string }

/** parent → load worker */
export type ToWorker =
  | {
      readonly type: 'start'
      readonly target: PlayTarget
      readonly players: number
      /** players per second this worker starts; 0 = all at once */
      readonly connectRate: number
      /** ms a player may take from TCP connect to NetStream.Play.Start */
      readonly connectTimeoutMs: number
    }
  | { readonly type: 'mark'; readonly id: string }
  | { readonly type: 'collect'; readonly from: string; readonly to: string }
  | { readonly type: 'stop' }

export interface WorkerReport {
  /** media bytes each player received between the two marks */
  readonly windowBytes: number[]
  /** still playing at the `to` mark */
  readonly connected: boolean[]
  /** ms from sending play to the first video keyframe; null when none came */
  readonly ttffMs: (number | null)[]
  /** the first few distinct failure reasons */
  readonly errors: string[]
}

/** load worker → parent */
export type FromWorker =
  | { readonly type: 'ready'; readonly playing: number; readonly failed: number; readonly errors: string[] }
  | { readonly type: 'marked'; readonly id: string }
  | ({ readonly type: 'report' } & WorkerReport)
