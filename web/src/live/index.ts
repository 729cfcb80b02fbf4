export { Backoff } from './backoff';
export { CSRF_HEADER, errorMessage, HttpError, isUnsafe, KilnHttp, malformed, type HttpOptions } from './http';
export { JobFeed } from './jobFeed';
export { applyEvent, viewFromStart, viewAtSnapshot, type JobView } from './jobView';
export {
  LiveClient,
  type ConnectionInfo,
  type ConnectionState,
  type JobViewState,
  type LiveClientOptions,
  type VisibilitySource,
} from './liveClient';
export * from './protocol';
export { useConnection, useJob, useJobs, type Live } from './react';
export { pollingTransport, sseTransport, webSocketTransport, type Transport, type TransportKind } from './transports';
