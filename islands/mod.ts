/**
 * Every island, by name. The server renders them inside `<Island>` markers; the browser bundle
 * (routes/pages/bundle.ts) imports this same table and hydrates each marker with its props.
 */
import AcceptStation from "./AcceptStation.tsx";
import ChargingProfilesPanel from "./ChargingProfilesPanel.tsx";
import ClearProtocolErrors from "./ClearProtocolErrors.tsx";
import CloseTransaction from "./CloseTransaction.tsx";
import CommandForms from "./CommandForms.tsx";
import ConfigurationPanel from "./ConfigurationPanel.tsx";
import DecommissionStation from "./DecommissionStation.tsx";
import DeleteUpload from "./DeleteUpload.tsx";
import DeviceModelPanel from "./DeviceModelPanel.tsx";
import EvseTable from "./EvseTable.tsx";
import FleetOverview from "./FleetOverview.tsx";
import IdTagManager from "./IdTagManager.tsx";
import JobProgress from "./JobProgress.tsx";
import LoginForm from "./LoginForm.tsx";
import SetupForm from "./SetupForm.tsx";
import SiteForm from "./SiteForm.tsx";
import SiteMonitor from "./SiteMonitor.tsx";
import StationActivity from "./StationActivity.tsx";
import StationConsole from "./StationConsole.tsx";
import StationSecurityPanel from "./StationSecurityPanel.tsx";
import StopTransaction from "./StopTransaction.tsx";
import TimeZoneToggle from "./TimeZoneToggle.tsx";
import TokenManager from "./TokenManager.tsx";
import TransactionChart from "./TransactionChart.tsx";
import TransactionHeading from "./TransactionHeading.tsx";
import TransactionTable from "./TransactionTable.tsx";
import UserManager from "./UserManager.tsx";
import VirtualStations from "./VirtualStations.tsx";

export const ISLANDS = {
  AcceptStation,
  ChargingProfilesPanel,
  ClearProtocolErrors,
  CloseTransaction,
  CommandForms,
  ConfigurationPanel,
  DecommissionStation,
  DeleteUpload,
  DeviceModelPanel,
  EvseTable,
  FleetOverview,
  IdTagManager,
  JobProgress,
  LoginForm,
  SetupForm,
  SiteForm,
  SiteMonitor,
  StationActivity,
  StationConsole,
  StationSecurityPanel,
  StopTransaction,
  TimeZoneToggle,
  TokenManager,
  TransactionChart,
  TransactionHeading,
  TransactionTable,
  UserManager,
  VirtualStations,
};

export type IslandName = keyof typeof ISLANDS;
export type IslandProps<N extends IslandName> = Parameters<(typeof ISLANDS)[N]>[0];
