"""Process definitions: deploying diagrams and forms as immutable versions, and the designer's
drafts of them before they are deployed."""
