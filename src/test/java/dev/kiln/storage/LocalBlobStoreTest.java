package dev.kiln.storage;

class LocalBlobStoreTest extends BlobStoreContract {

    @Override
    BlobStore newStore() {
        return new LocalBlobStore(work.resolve("blobs"));
    }
}
