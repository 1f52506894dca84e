// The state package's public API.
export { STATE_VERSION, stateFileSchema, resourceRecordSchema, type StateFile, type ResourceRecord } from './schema';
export { StateStore, type StateReader, type ResourcePatch } from './store';
export { checkIdentity } from './identity';
export { acquireLock, readLock, lockPathFor, type Lock, type LockHolder } from './lock';
