/** The process runner lives beside the topology script that also uses it; tests import it from here. */
export { WorkerProcess, type WorkerApp, type WorkerOptions } from '../../scripts/workerProcess';
export { apiNodeFlags } from '../../scripts/apiNodeFlags';
