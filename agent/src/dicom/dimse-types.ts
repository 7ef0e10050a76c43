/**
 * The dcmjs-dimse classes the agent handles, each under one name. The library is reached through a
 * default import, whose members are values only: without these names every module that handles a
 * message spells its type again as `InstanceType<typeof …>`.
 */
import type { association, Dataset, requests, responses, Scp as DimseScp } from 'dcmjs-dimse';

export type Scp = DimseScp;
export type Association = association.Association;
export type PresentationContext = association.PresentationContext;
/** What `createDatasetFromStoreWritableStream` hands back to dcmjs-dimse. */
export type StoreDataset = Dataset;

export type CEchoRequest = requests.CEchoRequest;
export type CEchoResponse = responses.CEchoResponse;
export type CFindRequest = requests.CFindRequest;
export type CFindResponse = responses.CFindResponse;
export type CCancelRequest = requests.CCancelRequest;
export type CStoreRequest = requests.CStoreRequest;
export type CStoreResponse = responses.CStoreResponse;
export type NCreateRequest = requests.NCreateRequest;
export type NCreateResponse = responses.NCreateResponse;
export type NSetRequest = requests.NSetRequest;
export type NSetResponse = responses.NSetResponse;
export type NActionRequest = requests.NActionRequest;
export type NActionResponse = responses.NActionResponse;
export type NEventReportRequest = requests.NEventReportRequest;
export type NEventReportResponse = responses.NEventReportResponse;
export type Request = requests.Request;
