import { useCallback, useEffect, useRef, useState } from "react";

export interface RemoteData<T> {
  data: T | null;
  /** Readable reason the latest load failed, or null. */
  error: string | null;
  loading: boolean;
  /** Loads again. Earlier data stays visible until the new data arrives. */
  reload: () => void;
}

type Fetcher<T> = (signal: AbortSignal) => Promise<T>;

interface Settled<T> {
  data: T | null;
  error: string | null;
  /** The fetcher that produced this result. A different current fetcher means a load is pending. */
  fetcher: Fetcher<T> | null;
}

function isAbort(error: unknown): boolean {
  return error instanceof DOMException && error.name === "AbortError";
}

/**
 * Loads data with `fetcher` when the component mounts, whenever `fetcher`
 * changes and whenever `reload` is called. A newer load aborts an older one,
 * so a slow early response never overwrites a later one.
 */
export function useRemoteData<T>(fetcher: Fetcher<T>): RemoteData<T> {
  const [settled, setSettled] = useState<Settled<T>>({ data: null, error: null, fetcher: null });
  const [reloading, setReloading] = useState(false);
  const [generation, setGeneration] = useState(0);
  const controllerRef = useRef<AbortController | null>(null);

  useEffect(() => {
    controllerRef.current?.abort();
    const controller = new AbortController();
    controllerRef.current = controller;

    fetcher(controller.signal).then(
      (result) => {
        if (!controller.signal.aborted) {
          setSettled({ data: result, error: null, fetcher });
          setReloading(false);
        }
      },
      (failure: unknown) => {
        if (!controller.signal.aborted && !isAbort(failure)) {
          const error = failure instanceof Error ? failure.message : String(failure);
          setSettled((previous) => ({ data: previous.data, error, fetcher }));
          setReloading(false);
        }
      },
    );
    return () => controller.abort();
  }, [fetcher, generation]);

  const reload = useCallback(() => {
    setReloading(true);
    setGeneration((value) => value + 1);
  }, []);

  return {
    data: settled.data,
    error: settled.error,
    loading: reloading || settled.fetcher !== fetcher,
    reload,
  };
}
