// Where the module file appears inside the host container, for each kind of
// spec.module. It is always under MODULE_DIR, mounted read-only in the host.
import type { V1Volume } from '@kubernetes/client-node';
import type { WasiApp } from '../api/wasiapp.js';
import { WasiOperatorError } from '../util/errors.js';
import { DEFAULT_IMAGE_MODULE_PATH } from './spec-defaults.js';

export const MODULE_DIR = '/module';
export const MODULE_VOLUME_NAME = 'module';
/** Name of a downloaded module when the URL's last path segment is not a plain file name. */
export const DEFAULT_DOWNLOAD_FILE = 'module.wasm';

export const ERR_MODULE_SOURCE = 'ERR_MODULE_SOURCE';

/** A module that an init container must download (and verify) into the volume first. */
export interface ModuleDownload {
  url: string;
  /** Lower-case hex. */
  sha256: string;
  /** Absolute path the download is written to; the same path the host reads. */
  destination: string;
}

export interface ModuleMount {
  volume: V1Volume;
  /** Absolute path of the module file in the host container. */
  filePath: string;
  download?: ModuleDownload;
}

const PLAIN_FILE_NAME = /^[A-Za-z0-9._-]+$/;

/**
 * The URL's last path segment when it is a plain file name (`app.wasm`), so the
 * guest's argv[0] is meaningful; DEFAULT_DOWNLOAD_FILE otherwise.
 */
export function downloadFileName(url: string): string {
  let last: string;
  try {
    last = new URL(url).pathname.split('/').pop() ?? '';
  } catch {
    return DEFAULT_DOWNLOAD_FILE;
  }
  return PLAIN_FILE_NAME.test(last) && last !== '.' && last !== '..' ? last : DEFAULT_DOWNLOAD_FILE;
}

export function moduleMountFor(app: WasiApp): ModuleMount {
  const { configMap, url, sha256, image, path } = app.spec.module ?? {};
  if (configMap) {
    // The key is also the file name: ConfigMap keys are valid file names.
    return {
      volume: { name: MODULE_VOLUME_NAME, configMap: { name: configMap.name, items: [{ key: configMap.key, path: configMap.key }] } },
      filePath: `${MODULE_DIR}/${configMap.key}`,
    };
  }
  if (url) {
    if (!sha256) throw moduleSourceError(app, 'spec.module.url needs spec.module.sha256');
    const filePath = `${MODULE_DIR}/${downloadFileName(url)}`;
    return {
      volume: { name: MODULE_VOLUME_NAME, emptyDir: {} },
      filePath,
      download: { url, sha256: sha256.toLowerCase(), destination: filePath },
    };
  }
  if (image) {
    return {
      volume: { name: MODULE_VOLUME_NAME, image: { reference: image } },
      filePath: `${MODULE_DIR}/${path ?? DEFAULT_IMAGE_MODULE_PATH}`,
    };
  }
  throw moduleSourceError(app, 'spec.module sets none of configMap, url or image');
}

// The CRD rejects these specs; reaching here means the object skipped it.
function moduleSourceError(app: WasiApp, problem: string): WasiOperatorError {
  return new WasiOperatorError(ERR_MODULE_SOURCE, `WasiApp ${app.metadata?.name ?? '?'}: ${problem}; fix the spec (is the CRD installed and current?)`);
}
