// The state package's public API.
export { STATE_VERSION, stateFileSchema, resourceRecordSchema, type StateFile, type ResourceRecord } from './schema';
export { StateStore, type StateReader, type ResourcePatch } from './store';
export { checkIdentity } from './identity';
export { acquireLock, breakLock, readLock, lockPathFor, type Lock, type LockHolder } from './lock';
export { StateBackendError, type StateBackend, type StoredState } from './backend';
export { LocalBackend } from './local';
// The S3 backend (state/s3.ts) loads the S3 SDK: the session requires it only when the config names it.
