import type { Updateable } from 'kysely';
import type { FileRow, FilesTable, NewFile } from '../schema.js';
import { isUuid, type Db } from './shared.js';

/** Inserts a file row (the uploaded document's metadata). */
export async function createFile(db: Db, file: NewFile): Promise<FileRow> {
  return db.insertInto('files').values(file).returningAll().executeTakeFirstOrThrow();
}

/** Finds a file by id; a malformed id finds nothing. */
export async function findFileById(db: Db, id: string): Promise<FileRow | undefined> {
  if (!isUuid(id)) return undefined;
  return db.selectFrom('files').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Finds the file stored under an object key (bucket drops and upload notifications know only that). */
export async function findFileByStorageKey(db: Db, storageKey: string): Promise<FileRow | undefined> {
  return db.selectFrom('files').selectAll().where('storage_key', '=', storageKey).executeTakeFirst();
}

/** Patches a file; `undefined` when it does not exist. */
export async function updateFile(
  db: Db,
  id: string,
  patch: Updateable<FilesTable>,
): Promise<FileRow | undefined> {
  if (!isUuid(id)) return undefined;
  if (Object.keys(patch).length === 0) return findFileById(db, id);
  return db.updateTable('files').set(patch).where('id', '=', id).returningAll().executeTakeFirst();
}
