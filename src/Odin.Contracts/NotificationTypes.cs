namespace Odin.Contracts;

/// <summary>The notification type names Odin devices already understand.</summary>
public static class NotificationTypes
{
    public const string FileAdded = "fileAdded";
    public const string FileModified = "fileModified";
    public const string FileDeleted = "fileDeleted";
    public const string AppNotificationAdded = "appNotificationAdded";
    public const string InboxItemReceived = "inboxItemReceived";
    public const string ConnectionRequestReceived = "connectionRequestReceived";
    public const string ConnectionRequestAccepted = "connectionRequestAccepted";
    public const string DeviceConnected = "deviceConnected";
    public const string DeviceDisconnected = "deviceDisconnected";
    public const string NewFollower = "newFollower";
    public const string ReactionContentAdded = "reactionContentAdded";
    public const string ReactionContentDeleted = "reactionContentDeleted";
}
