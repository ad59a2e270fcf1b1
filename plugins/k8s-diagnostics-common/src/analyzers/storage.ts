import {
  PersistentVolume,
  PersistentVolumeClaim,
  StorageClass,
} from '../kinds';
import { Failure } from '../model';
import { ONE_GI, formatQuantity, parseQuantity } from '../quantity';
import {
  AnalyzerContext,
  AnalyzerDefinition,
  RawResult,
  collect,
  nameOf,
} from './types';

const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

function storageClassResults(ctx: AnalyzerContext): RawResult[] {
  const classes = ctx.select<StorageClass>('StorageClass');
  const defaults = ctx.index
    .all<StorageClass>('StorageClass')
    .filter(
      sc => sc.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true',
    ).length;
  return collect(
    classes,
    'Storage/StorageClass',
    sc => {
      const failures: Failure[] = [];
      const name = nameOf(sc);
      if (sc.provisioner === 'kubernetes.io/no-provisioner') {
        failures.push(
          ctx.failure(
            `StorageClass ${name} uses deprecated provisioner 'kubernetes.io/no-provisioner'`,
            'low',
            [name],
          ),
        );
      }
      if (
        sc.metadata?.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true' &&
        defaults > 1
      ) {
        failures.push(
          ctx.failure(
            `Multiple default StorageClasses found (${defaults}), which can cause confusion`,
            'medium',
          ),
        );
      }
      return failures;
    },
    nameOf,
  );
}

function pvFailures(ctx: AnalyzerContext, pv: PersistentVolume): Failure[] {
  const failures: Failure[] = [];
  const name = nameOf(pv);
  if (pv.status?.phase === 'Released') {
    failures.push(
      ctx.failure(
        `PersistentVolume ${name} is in Released state and should be cleaned up`,
        'low',
        [name],
      ),
    );
  } else if (pv.status?.phase === 'Failed') {
    failures.push(
      ctx.failure(`PersistentVolume ${name} is in Failed state`, 'high', [
        name,
      ]),
    );
  }
  const capacity = parseQuantity(pv.spec?.capacity?.storage);
  if (capacity && capacity.value < ONE_GI) {
    failures.push(
      ctx.failure(
        `PersistentVolume ${name} has small capacity (${formatQuantity(
          capacity,
        )})`,
        'info',
        [name],
      ),
    );
  }
  return failures;
}

function pvcFailure(
  ctx: AnalyzerContext,
  pvc: PersistentVolumeClaim,
): Failure[] {
  const name = nameOf(pvc);
  const phase = pvc.status?.phase;
  if (phase === 'Pending') {
    return [
      ctx.failure(`PersistentVolumeClaim ${name} is in Pending state`, 'high', [
        name,
      ]),
    ];
  }
  if (phase === 'Lost') {
    return [
      ctx.failure(
        `PersistentVolumeClaim ${name} is in Lost state`,
        'critical',
        [name],
      ),
    ];
  }
  const request = parseQuantity(pvc.spec?.resources?.requests?.storage);
  if (request && request.value < ONE_GI) {
    return [
      ctx.failure(
        `PersistentVolumeClaim ${name} has small capacity (${formatQuantity(
          request,
        )})`,
        'info',
        [name],
      ),
    ];
  }
  if (!pvc.spec?.storageClassName && !pvc.spec?.volumeName) {
    return [
      ctx.failure(
        `PersistentVolumeClaim ${name} has no StorageClass specified`,
        'low',
        [name],
      ),
    ];
  }
  return [];
}

/** k8sgpt `StorageAnalyzer`. */
export const storageAnalyzer: AnalyzerDefinition = {
  name: 'Storage',
  enabledByDefault: false,
  fromK8sgpt: true,
  inputKinds: ['StorageClass', 'PersistentVolume', 'PersistentVolumeClaim'],
  description:
    'Deprecated or multiple default StorageClasses, released/failed/small PVs, pending/lost/small PVCs.',
  analyze: ctx => [
    ...storageClassResults(ctx),
    ...collect(
      ctx.select<PersistentVolume>('PersistentVolume'),
      'Storage/PersistentVolume',
      pv => pvFailures(ctx, pv),
      nameOf,
    ),
    ...collect(
      ctx.select<PersistentVolumeClaim>('PersistentVolumeClaim'),
      'Storage/PersistentVolumeClaim',
      pvc => pvcFailure(ctx, pvc),
    ),
  ],
};
