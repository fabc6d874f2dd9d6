export { ANOMALY_THRESHOLD, isNumberRow, type RowScore, scoreRow } from "./anomaly-scorer.ts";
export { type SampleModel, sampleModelAnswer, startSampleModel } from "./sample-model.ts";
