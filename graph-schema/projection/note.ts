/**
 * `NoteWritten` (ledger-core/contracts/asset-note.ts) as graph writes. The note is `(:Note {key})` with
 * its current value and version; every write is also a `(:NoteVersion {id: "<key>@<version>"})` that
 * the note HAS and its writer WROTE. Versions are CREATEd, not merged: the uniqueness constraint on
 * NoteVersion.id turns an event applied twice into a failed transaction instead of a quiet overwrite.
 * The value is stored as its canonical JSON text, since a Neo4j property cannot hold a map.
 */
import { canonicalize } from '@twinledger/ledger-core/chain';
import type { LedgerEvent } from '@twinledger/ledger-core/contracts';
import { ProjectionError, ProjectionErrorCode, countField, relationshipStamp, stampNode, stampParameters, stampReferencedNode, stringField, type CypherStatement, type HandlerTable, type ProjectionContext } from './types.js';

/** The id of version `version` of note `key`. */
export function noteVersionId(key: string, version: number): string {
  return `${key}@${version}`;
}

function noteWritten(event: LedgerEvent, context: ProjectionContext): CypherStatement[] {
  const key = stringField(event, 'key');
  const version = countField(event, 'version');
  if (version < 1) throw new ProjectionError(ProjectionErrorCode.badEventField, event.type, `${event.type}.version starts at 1`);
  if (!('value' in event)) throw new ProjectionError(ProjectionErrorCode.badEventField, event.type, `${event.type}.value is missing`);
  return [
    {
      text: `MERGE (n:Note {key: $key})
${stampNode('n')}, n.valueJson = $valueJson, n.version = $version, n.writer = $writer, n.ledgerTimeMs = $ledgerTimeMs
MERGE (w:Organization {id: $writer})
${stampReferencedNode('w')}
CREATE (v:NoteVersion {id: $versionId, key: $key, version: $version, valueJson: $valueJson, writer: $writer,
  txId: $txId, height: $height, createdTxId: $txId, createdHeight: $height, ledgerTimeMs: $ledgerTimeMs})
CREATE (n)-[:HAS_VERSION ${relationshipStamp}]->(v)
CREATE (w)-[:WROTE ${relationshipStamp}]->(v)`,
      parameters: {
        ...stampParameters(context),
        key,
        version,
        versionId: noteVersionId(key, version),
        valueJson: canonicalize(event['value']),
        writer: stringField(event, 'writer'),
      },
    },
  ];
}

export const noteHandlers: HandlerTable = {
  NoteWritten: noteWritten,
};
