/**
 * Every island, by name. The server renders them inside `<Island>` markers; the browser bundle
 * (routes/pages/bundle.ts) imports this same table and hydrates each marker with its props.
 */
import AcceptStation from "./AcceptStation.tsx";
import ChargingProfilesPanel from "./ChargingProfilesPanel.tsx";
import CommandForms from "./CommandForms.tsx";
import ConfigurationPanel from "./ConfigurationPanel.tsx";
import IdTagManager from "./IdTagManager.tsx";
import LoginForm from "./LoginForm.tsx";
import SiteForm from "./SiteForm.tsx";
import SiteMonitor from "./SiteMonitor.tsx";
import StationActivity from "./StationActivity.tsx";
import StationConsole from "./StationConsole.tsx";
import StationSecurityPanel from "./StationSecurityPanel.tsx";
import StationTable from "./StationTable.tsx";
import TransactionChart from "./TransactionChart.tsx";

export const ISLANDS = {
  AcceptStation,
  ChargingProfilesPanel,
  CommandForms,
  ConfigurationPanel,
  IdTagManager,
  LoginForm,
  SiteForm,
  SiteMonitor,
  StationActivity,
  StationConsole,
  StationSecurityPanel,
  StationTable,
  TransactionChart,
};

export type IslandName = keyof typeof ISLANDS;
export type IslandProps<N extends IslandName> = Parameters<(typeof ISLANDS)[N]>[0];
