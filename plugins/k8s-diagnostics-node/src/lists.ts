/**
 * List requests and the decoding of their answers: protobuf for the large built-in kinds, JSON
 * otherwise, metadata only where that is enough, and Table rows.
 */
import { KubeObject } from '@periscope/backstage-plugin-k8s-diagnostics-common';
import { BodySink, ClusterRequestError, KubeHttp } from './client';
import { ResourceInfo, listPath } from './resources';
import {
  ProtoDecodeError,
  protobufKinds,
  protobufListStream,
} from './proto/decode';

/** Metadata only (PartialObjectMetadataList), else JSON. */
export const METADATA_ONLY_ACCEPT =
  'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
/** Protobuf where the API server offers it (built-in kinds), else JSON. */
const PROTOBUF_ACCEPT = 'application/vnd.kubernetes.protobuf, application/json';
const PROTOBUF_KINDS = new Set(protobufKinds());
/** Table rows (`kubectl get` columns) in place of the objects. */
export const TABLE_ACCEPT = 'application/json;as=Table;g=meta.k8s.io;v=v1';

/** A listed object as decoded, before it is given its kind and apiVersion. */
export type RawItem = Record<string, unknown>;

/** One page of a list as read: its items, and the token of the next page if there is one. */
export interface RawList {
  items: RawItem[];
  continue?: string;
}

/**
 * One list request: protobuf for the large built-in kinds (the API server encodes it several
 * times faster than JSON; the decoder skips managedFields and works while the body arrives),
 * JSON otherwise or when the server answers JSON.
 */
export async function fetchList(
  http: KubeHttp,
  info: ResourceInfo,
  path: string,
): Promise<RawList> {
  if (info.metadataOnly || !PROTOBUF_KINDS.has(info.kind)) {
    const list = (await http.getJson(
      path,
      info.metadataOnly ? METADATA_ONLY_ACCEPT : undefined,
    )) as {
      items?: RawItem[] | null;
      metadata?: { continue?: string };
    };
    return {
      items: list.items ?? [],
      continue: list.metadata?.continue || undefined,
    };
  }
  try {
    return await http.getStreamed(path, PROTOBUF_ACCEPT, contentType =>
      contentType.startsWith('application/vnd.kubernetes.protobuf')
        ? listOfProtobuf(info.kind)
        : listOfJson(contentType),
    );
  } catch (e) {
    if (!(e instanceof ProtoDecodeError || e instanceof SyntaxError)) throw e;
    throw new ClusterRequestError(
      `cannot read the ${info.kind} list from ${http.server} (GET ${path}): ${e.message}`,
    );
  }
}

/** The items of one list request ({@link fetchList}). */
export async function fetchItems(
  http: KubeHttp,
  info: ResourceInfo,
  path: string,
): Promise<RawItem[]> {
  return (await fetchList(http, info, path)).items;
}

function listOfProtobuf(kind: string): BodySink<RawList> {
  const stream = protobufListStream(kind);
  return { write: c => stream.write(c), end: () => stream.end() };
}

function listOfJson(contentType: string): BodySink<RawList> {
  const chunks: Buffer[] = [];
  return {
    write: c => chunks.push(c),
    end: () => {
      try {
        const list = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          items?: RawItem[] | null;
          metadata?: { continue?: string };
        };
        return {
          items: list.items ?? [],
          continue: list.metadata?.continue || undefined,
        };
      } catch (e) {
        throw new SyntaxError(
          `the answer (${
            contentType || 'no Content-Type'
          }) is neither protobuf nor JSON: ${(e as Error).message}`,
        );
      }
    },
  };
}

/** A kind's list as read: its objects, none (an optional kind the server lacks), or why not. */
export interface ListOutcome {
  kind: string;
  items?: KubeObject[];
  error?: ClusterRequestError;
}

/** Lists one kind (in a namespace, or everywhere), adding kind and apiVersion to its items. */
export async function listKind(
  http: KubeHttp,
  info: ResourceInfo,
  namespace?: string,
  query = '',
): Promise<ListOutcome> {
  const apiVersion =
    info.group === '' ? info.version : `${info.group}/${info.version}`;
  try {
    const raw = await fetchItems(
      http,
      info,
      `${listPath(info, namespace)}${query}`,
    );
    // List items carry no kind/apiVersion; add them so the objects stand alone.
    for (const item of raw) {
      item.apiVersion = apiVersion;
      item.kind = info.kind;
    }
    return { kind: info.kind, items: raw as unknown as KubeObject[] };
  } catch (e) {
    if (!(e instanceof ClusterRequestError)) throw e;
    if (e.status === 404 && info.optional)
      return { kind: info.kind, items: undefined };
    return { kind: info.kind, error: e };
  }
}

/** Requests made, counted where they are made. */
export interface Counter {
  n: number;
}
