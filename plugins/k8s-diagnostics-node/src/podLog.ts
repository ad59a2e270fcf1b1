/**
 * Reading a container's log through the API server. The kubelet answers a log request for a
 * container it has just removed (a crash-looping container is replaced, its previous instance
 * garbage-collected) with `200` and one line, `unable to retrieve container logs for
 * containerd://…`, in place of the log; that line is not the container's output.
 */
import { ClusterRequestError, KubeHttp } from './client';

const KUBELET_NO_LOG = /^unable to retrieve container logs for \S+$/;

/**
 * The log text at `path` (a `pods/<name>/log` path); a {@link ClusterRequestError} with code
 * `ContainerLogGone` when the kubelet no longer has the container whose log was asked for.
 */
export async function readPodLogText(
  http: KubeHttp,
  path: string,
): Promise<string> {
  const text = await http.getText(path);
  if (KUBELET_NO_LOG.test(text.trim())) {
    throw new ClusterRequestError(
      `the node no longer has this container's log (${text.trim()}): the kubelet removes a container when it restarts it; read it again`,
      { code: 'ContainerLogGone' },
    );
  }
  return text;
}
