export type {
  BlobBody,
  BlobRange,
  BlobStat,
  BlobStore,
  PutBlobOptions,
  SignedUrlOptions,
  StoredBlob,
} from './blob-store.js'
export { assertBlobKey, isBlobKey } from './blob-key.js'
export { verifyBlobSignature } from './blob-signature.js'
export { attachmentDisposition } from './content-disposition.js'
export { FsBlobStore, type FsBlobStoreOptions } from './fs-blob-store.js'
export { S3BlobStore, type S3BlobStoreOptions } from './s3-blob-store.js'
export { openBlobStore, type OpenBlobStoreOptions } from './open-blob-store.js'
